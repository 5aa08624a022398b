package metrics

import "github.com/prometheus/client_golang/prometheus"

// A ReplicaWaiter is a log that waits for replicas of its store before it
// acknowledges an append, and counts the waits that timed out (redis.Log
// with -redis-replicas).
type ReplicaWaiter interface {
	ReplicaWaitTimeouts() uint64
}

var replicaWaitTimeouts = desc("redis_replica_wait_timeouts_total", "Appends that fewer Redis replicas than -redis-replicas confirmed in time: their publishers got 503, and the events may still appear.")

// describeReplicas and collectReplicas add the ReplicaWaiter's metric, if
// the log is one.
func (c *Collector) describeReplicas(ch chan<- *prometheus.Desc) {
	if c.replicas != nil {
		ch <- replicaWaitTimeouts
	}
}

func (c *Collector) collectReplicas(ch chan<- prometheus.Metric) {
	if c.replicas != nil {
		ch <- counter(replicaWaitTimeouts, c.replicas.ReplicaWaitTimeouts())
	}
}
