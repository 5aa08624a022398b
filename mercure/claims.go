package mercure

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// maxClaimSelectors bounds the selectors of a token's claim, as the
// Mercure hub does: each publish matches its topics against them.
const maxClaimSelectors = 1000

// claims are what a Mercure token says: under "mercure", or under the
// namespaced "https://mercure.rocks/" that some issuers use instead.
type claims struct {
	jwt.RegisteredClaims
	Mercure    mercureClaim  `json:"mercure"`
	Namespaced *mercureClaim `json:"https://mercure.rocks/"`
}

// mercureClaim is the "mercure" claim: the selectors a publisher may
// publish to, those whose private updates a subscriber may receive, and
// what the subscriptions API shows of the subscriber.
type mercureClaim struct {
	Publish   []string `json:"publish"`
	Subscribe []string `json:"subscribe"`
	Payload   any      `json:"payload"`
}

var errTooManySelectors = errors.New("too many selectors in the mercure claim")

// resolve applies the namespaced claim and checks the selectors' count.
func (c *claims) resolve() error {
	if c.Namespaced != nil {
		c.Mercure = *c.Namespaced
	}
	if len(c.Mercure.Publish) > maxClaimSelectors || len(c.Mercure.Subscribe) > maxClaimSelectors {
		return errTooManySelectors
	}
	return nil
}
