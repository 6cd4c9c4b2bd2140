// Package serve serves a runs folder over HTTP, for people: Handler lists
// the run folders, newest first, by verdict, shows each folder's run and
// files, and serves each file as it is, so a run's report.html opens from
// its folder. It answers GET and HEAD only; every file is opened through an
// os.Root, so no path, symlink or not, reaches outside the folder; and it
// answers only requests whose Host header names an IP address, localhost or
// a name allowed (AllowHost), a guard against DNS rebinding. A folder it
// cannot read, or whose run.json is malformed, is listed as such, never an
// error of the whole index.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// Handler serves a runs folder over HTTP, for people: GET / lists the run
// folders, newest first, by verdict (writeIndex); a folder shows its run
// and its files (writeFolder); a file is served as it is, so a run's
// report.html opens from its folder. It answers GET and HEAD only, and
// every file is opened through an os.Root, so no path, symlink or not,
// reaches outside the folder.
//
// It answers only requests whose Host header names an IP address,
// localhost, or a name allowed with AllowHost: a page on another site that
// points its own domain name at this address (DNS rebinding) gets 403, so
// it cannot read the reports.
type Handler struct {
	dir   string
	root  *os.Root
	hosts map[string]bool // names allowed besides IP addresses and localhost
}

// AllowHost lets requests that name the host name (without a port) in
// their Host header through, besides IP addresses and localhost.
func (h *Handler) AllowHost(name string) {
	if h.hosts == nil {
		h.hosts = map[string]bool{}
	}
	h.hosts[strings.ToLower(strings.TrimSuffix(name, "."))] = true
}

// hostAllowed reports whether a request's Host header names this server
// by an address, localhost or an allowed name.
func (h *Handler) hostAllowed(hostport string) bool {
	host := hostport
	if hst, _, err := net.SplitHostPort(hostport); err == nil {
		host = hst
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return h.hosts[host]
}

// NewHandler serves the runs folder dir until Close.
func NewHandler(dir string) (*Handler, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("serve: runs folder: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("serve: runs folder %s is not a folder", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("serve: runs folder: %w", err)
	}
	return &Handler{dir: dir, root: root}, nil
}

// Close releases the runs folder.
func (h *Handler) Close() error { return h.root.Close() }

// Serve answers HTTP on ln until ctx ends, then shuts down, letting the
// requests in flight finish for up to five seconds. The server's own
// errors are logged to logw.
func (h *Handler) Serve(ctx context.Context, ln net.Listener, logw io.Writer) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(logw, "serve: ", 0)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.hostAllowed(r.Host) {
		http.Error(w, fmt.Sprintf("host %q is not allowed: open the runs by the server's address (or localhost), "+
			"or start serve with --host set to this name (a guard against DNS rebinding)", r.Host), http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, fmt.Sprintf("method %s not allowed: serve answers GET and HEAD only", r.Method), http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\x00\\") {
		http.Error(w, fmt.Sprintf("bad path %q", p), http.StatusBadRequest)
		return
	}
	if p == "/" {
		h.index(w, r)
		return
	}
	name := strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if !fs.ValidPath(name) {
		// "..", ".", empty segments: nothing outside the runs folder is
		// served, and no alias of a path inside it either.
		http.Error(w, fmt.Sprintf("not found: %s is not a path inside the runs folder", p), http.StatusNotFound)
		return
	}
	st, err := h.root.Stat(name)
	if err != nil {
		http.Error(w, fmt.Sprintf("not found: %s: no such run or file in %s", p, h.dir), http.StatusNotFound)
		return
	}
	if st.IsDir() {
		if !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		h.folder(w, name)
		return
	}
	f, err := h.root.Open(name)
	if err != nil {
		http.Error(w, fmt.Sprintf("not found: %s: %v", p, err), http.StatusNotFound)
		return
	}
	defer f.Close()
	if strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".txt") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// index lists the run folders, newest first.
func (h *Handler) index(w http.ResponseWriter, _ *http.Request) {
	ents, err := fs.ReadDir(h.root.FS(), ".")
	if err != nil {
		http.Error(w, fmt.Sprintf("cannot read the runs folder %s: %v", h.dir, err), http.StatusInternalServerError)
		return
	}
	latest, _ := h.root.Readlink(runs.Latest)
	var es []Entry
	for _, d := range ents {
		if d.Name() == runs.Latest || !d.IsDir() {
			continue
		}
		e := h.entry(d.Name())
		e.Latest = path.Clean(latest) == d.Name()
		es = append(es, e)
	}
	sortEntries(es)
	h.page(w, func(b io.Writer) error { return writeIndex(b, h.dir, es) })
}

// folder shows one folder: its run, if it is one, and its files.
func (h *Handler) folder(w http.ResponseWriter, name string) {
	e := h.entry(name)
	if strings.Contains(name, "/") {
		e.Err = "" // a folder inside a run: just its files
	}
	h.page(w, func(b io.Writer) error { return writeFolder(b, e) })
}

func (h *Handler) page(w http.ResponseWriter, write func(io.Writer) error) {
	var b strings.Builder
	if err := write(&b); err != nil {
		http.Error(w, fmt.Sprintf("cannot render the page: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, b.String())
}

// entry reads what the index shows of the folder name.
func (h *Handler) entry(name string) Entry {
	e := Entry{Name: name}
	ents, err := fs.ReadDir(h.root.FS(), name)
	if err != nil {
		e.Err = fmt.Sprintf("cannot read the folder: %v", err)
		return e
	}
	for _, d := range ents {
		n := d.Name()
		if d.IsDir() {
			n += "/"
		}
		e.Files = append(e.Files, n)
	}
	slices.Sort(e.Files)
	e.Report = slices.Contains(e.Files, runs.HTMLFile)
	b, err := fs.ReadFile(h.root.FS(), path.Join(name, runs.InfoFile))
	if err != nil && slices.Contains(e.Files, sweepFile) {
		return h.sweepEntry(e)
	}
	if err != nil {
		e.Err = fmt.Sprintf("not a run folder: no readable %s (%v)", runs.InfoFile, errors.Unwrap(err))
		return e
	}
	var ri runs.Info
	if err := json.Unmarshal(b, &ri); err != nil {
		e.Err = fmt.Sprintf("malformed %s: %v", runs.InfoFile, err)
		return e
	}
	run := newEntry(name, ri)
	run.Files, run.Report = e.Files, e.Report
	return run
}

// sweepEntry is the index's entry of a sweep's folder, from its
// sweep.json: the sweep's verdict, what it swept and how many seeds
// failed.
func (h *Handler) sweepEntry(e Entry) Entry {
	p := path.Join(e.Name, sweepFile)
	b, err := fs.ReadFile(h.root.FS(), p)
	var sw sweepSummary
	if err == nil {
		err = json.Unmarshal(b, &sw)
	}
	if err != nil {
		e.Err = fmt.Sprintf("malformed %s: %v", sweepFile, err)
		return e
	}
	if st, err := fs.Stat(h.root.FS(), p); err == nil {
		e.Started = st.ModTime().UTC().Add(-time.Duration(sw.Wall)).Truncate(time.Second)
	}
	e.Kind, e.Strategy, e.Nemesis, e.Command = KindSweep, sw.Strategy, sw.Nemesis, sw.Command
	e.Seed = fmt.Sprintf("%d-%d", sw.Seeds.From, sw.Seeds.To)
	e.Verdict = checker.Valid
	switch {
	case sw.Invalid > 0:
		e.Verdict = checker.Invalid
	case sw.Unknown > 0 || sw.Run == 0:
		e.Verdict = checker.Unknown
	}
	e.Setup = fmt.Sprintf("%d seeds of %d ops: %d valid, %d invalid, %d unknown", sw.Run, sw.Ops, sw.Valid, sw.Invalid, sw.Unknown)
	return e
}
