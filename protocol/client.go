package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds an answer the client reads: a State of many keys is the
// largest.
const maxBody = 64 << 20

// Client speaks the protocol to one node.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client of the node at base ("http://host:port", or
// "host:port") that sends its requests through hc (nil:
// http.DefaultClient). Deadlines come from each call's context.
func NewClient(base string, hc *http.Client) (*Client, error) {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("protocol: node address %q: %w", base, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("protocol: node address %q: want http://host:port", base)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(u.String(), "/"), hc: hc}, nil
}

// URL returns the node's base URL.
func (c *Client) URL() string { return c.base }

// Get reads key.
func (c *Client) Get(ctx context.Context, key string) (Read, error) {
	var r Read
	err := c.do(ctx, http.MethodGet, kvPath(key), nil, &r)
	return r, err
}

// Put writes key.
func (c *Client) Put(ctx context.Context, key string, p Put) (Written, error) {
	var w Written
	err := c.do(ctx, http.MethodPut, kvPath(key), p, &w)
	return w, err
}

// Delete deletes key: it writes a tombstone.
func (c *Client) Delete(ctx context.Context, key string, d Delete) (Written, error) {
	var w Written
	err := c.do(ctx, http.MethodDelete, kvPath(key), d, &w)
	return w, err
}

// Info asks the node who it is and what it implements.
func (c *Client) Info(ctx context.Context) (Info, error) {
	var i Info
	err := c.do(ctx, http.MethodGet, "/admin/info", nil, &i)
	return i, err
}

// SetClock replaces the node's clock.
func (c *Client) SetClock(ctx context.Context, clk Clock) error {
	return c.do(ctx, http.MethodPut, "/admin/clock", clk, nil)
}

// Clock reads the node's clock.
func (c *Client) Clock(ctx context.Context) (ClockState, error) {
	var s ClockState
	err := c.do(ctx, http.MethodGet, "/admin/clock", nil, &s)
	return s, err
}

// Block replaces the set of peers the node exchanges no traffic with; no
// peers unblocks them all.
func (c *Client) Block(ctx context.Context, peers []string) error {
	if peers == nil {
		peers = []string{}
	}
	return c.do(ctx, http.MethodPut, "/admin/blocked", Blocked{Peers: peers}, nil)
}

// Blocked lists the peers the node exchanges no traffic with.
func (c *Client) Blocked(ctx context.Context) ([]string, error) {
	var b Blocked
	err := c.do(ctx, http.MethodGet, "/admin/blocked", nil, &b)
	return b.Peers, err
}

// State asks for the node's convergence state.
func (c *Client) State(ctx context.Context) (State, error) {
	return c.StatePrefix(ctx, "")
}

// StatePrefix asks for the node's convergence state of the keys that begin
// with prefix (GET /admin/state?prefix=…; "" asks for every key). A node
// that ignores the parameter answers every key: the keys of the answer are
// filtered here, so the caller sees only the prefix's either way.
func (c *Client) StatePrefix(ctx context.Context, prefix string) (State, error) {
	var s State
	path := "/admin/state"
	if prefix != "" {
		path += "?" + url.Values{"prefix": {prefix}}.Encode()
	}
	if err := c.do(ctx, http.MethodGet, path, nil, &s); err != nil {
		return s, err
	}
	maps.DeleteFunc(s.Keys, func(k, _ string) bool { return !strings.HasPrefix(k, prefix) })
	return s, nil
}

func kvPath(key string) string { return "/kv/" + url.PathEscape(key) }

// do sends a request with body in (nil: none) as JSON and decodes a 2xx
// answer into out (nil: ignore it). Any other status is a *StatusError.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err // a *url.Error naming the method and URL
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, c.base+path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: method, URL: c.base + path, Code: resp.StatusCode}
		var e Error
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			se.Message, se.JSON = e.Error, true
		} else {
			se.Message = strings.TrimSpace(string(b))
		}
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: malformed answer: %w", method, c.base+path, err)
	}
	return nil
}

// StatusError is an answer with a status other than 2xx.
type StatusError struct {
	Method, URL string
	Code        int
	Message     string // the body's error, or the body itself
	JSON        bool   // the body was {"error": "..."}, as the protocol asks
}

func (e *StatusError) Error() string {
	msg := e.Message
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Code, http.StatusText(e.Code), msg)
}

// Failed reports whether err proves the request had no effect: the node
// answered 4xx, or no connection was ever made. Any other error (a 5xx, a
// timeout, a connection lost mid-request) leaves the outcome unknown.
func Failed(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code <= 499
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Missing reports whether err says the node lacks the endpoint: 404, 405
// or 501.
func Missing(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusMethodNotAllowed || se.Code == http.StatusNotImplemented)
}
