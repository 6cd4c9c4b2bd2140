package protocol

import (
	"fmt"
	"math"
	"net/http"
	"time"
	"unicode/utf8"
)

// TokenEnv is the environment variable that holds the shared secret of a
// cluster's control plane when no --token is given: clockwise node
// requires it on /admin/... and /internal/... as
// "Authorization: Bearer <token>", and check --cluster and node-check send
// it.
const TokenEnv = "CLOCKWISE_TOKEN"

// Limits of the values a node takes; outside them it answers 400.
const (
	// MaxKey is the longest key, in bytes; a key must also be valid UTF-8.
	MaxKey = 1024
	// MaxOffset bounds a clock's offset_ns and strobe_ns (either sign) and
	// its period_ns: one year.
	MaxOffset = int64(365 * 24 * time.Hour)
	// MaxDrift bounds a clock's drift (either sign), in seconds per second.
	MaxDrift = 1.0
)

// CheckKey reports why key is not one a node takes: empty, longer than
// MaxKey bytes, or not valid UTF-8 (two keys that differ only in invalid
// bytes would become one key "\ufffd" once encoded as JSON).
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("the key is missing")
	case len(key) > MaxKey:
		return fmt.Errorf("the key is %d bytes, longer than the %d a key may be", len(key), MaxKey)
	case !utf8.ValidString(key):
		return fmt.Errorf("the key %q is not valid UTF-8", key)
	}
	return nil
}

// Check reports why c is not a clock a node takes: an offset or strobe
// beyond ±MaxOffset (one year), a period that is negative, beyond
// MaxOffset, or missing under a strobe, or a drift beyond ±MaxDrift, NaN
// or infinite.
func (c Clock) Check() error {
	switch {
	case c.OffsetNS < -MaxOffset || c.OffsetNS > MaxOffset:
		return fmt.Errorf("offset_ns %d is outside ±%d (one year)", c.OffsetNS, MaxOffset)
	case math.IsNaN(c.Drift) || math.IsInf(c.Drift, 0) || math.Abs(c.Drift) > MaxDrift:
		return fmt.Errorf("drift %v is outside ±%v seconds per second", c.Drift, MaxDrift)
	case c.StrobeNS < -MaxOffset || c.StrobeNS > MaxOffset:
		return fmt.Errorf("strobe_ns %d is outside ±%d (one year)", c.StrobeNS, MaxOffset)
	case c.PeriodNS < 0 || c.PeriodNS > MaxOffset || (c.StrobeNS != 0 && c.PeriodNS == 0):
		return fmt.Errorf("a strobe needs a positive period_ns of at most %d (one year), got %d", MaxOffset, c.PeriodNS)
	}
	return nil
}

// WithToken returns an HTTP client like hc (nil: http.DefaultClient) that
// sends token on every request as "Authorization: Bearer <token>"; with
// no token it returns hc as it is.
func WithToken(hc *http.Client, token string) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	if token == "" {
		return hc
	}
	c := *hc
	c.Transport = bearer{token: token, base: hc.Transport}
	return &c
}

// bearer is a RoundTripper that adds the token to each request.
type bearer struct {
	token string
	base  http.RoundTripper // nil: http.DefaultTransport
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	r = r.Clone(r.Context()) // a RoundTripper must not change its request
	r.Header.Set("Authorization", "Bearer "+b.token)
	return base.RoundTrip(r)
}
