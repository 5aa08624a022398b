package socket

// A HangUpper is told that the peer of a watched Conn hung up (or that its
// socket failed). It is called at most once per Watch, from the Watcher's
// goroutine, which serves every Conn: it should return soon. It is expected
// to Unwatch and Close the Conn.
type HangUpper interface{ HangUp() }
