package main

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
	"os/signal"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clockwise-kv/clockwise/report"
	"github.com/clockwise-kv/clockwise/runs"
)

func newServe() *cobra.Command {
	var port int
	cmd := &cobra.Command{
		Use:   "serve [RUNS]",
		Short: "Serve the run folders on 127.0.0.1: a list of runs, each with its report and raw files",
		Long: `serve answers on 127.0.0.1 (never another address) with a list of the run
folders in RUNS (default: runs), newest first and coloured by verdict, with
each run's strategy, nemesis, seed and counts. Each run opens its report.html
and its raw files. Stop it with Ctrl-C.

Exit status: 0 stopped, 2 bad usage or a RUNS that is not a folder.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if port < 0 || port > 65535 {
				return usageErr("invalid --port: %d: must be in 0…65535 (0: any free port)", port)
			}
			dir := "runs"
			if len(args) == 1 {
				dir = args[0]
			}
			h, err := newRunsHandler(dir)
			if err != nil {
				return err
			}
			defer h.Close()
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveRuns(ctx, ln, h, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVarP(&port, "port", "p", 8080, "port to listen on, on 127.0.0.1 (0: any free port)")
	return cmd
}

// serveRuns serves h on ln until ctx ends.
func serveRuns(ctx context.Context, ln net.Listener, h http.Handler, out, errw io.Writer) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(errw, "serve: ", 0)}
	fmt.Fprintf(out, "clockwise: serving the runs on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
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

// runsHandler serves one runs folder. Every file is opened through an
// os.Root, so no path, symlink or not, reaches outside the folder.
type runsHandler struct {
	dir  string
	root *os.Root
}

func newRunsHandler(dir string) (*runsHandler, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, inputErr(fmt.Errorf("runs folder: %w", err))
	case !st.IsDir():
		return nil, inputErr(fmt.Errorf("runs folder %s is not a folder", dir))
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, inputErr(fmt.Errorf("runs folder: %w", err))
	}
	return &runsHandler{dir: dir, root: root}, nil
}

// Close releases the runs folder.
func (h *runsHandler) Close() error { return h.root.Close() }

func (h *runsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			http.Error(w, fmt.Sprintf("internal error: %v", v), http.StatusInternalServerError)
		}
	}()
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
func (h *runsHandler) index(w http.ResponseWriter, _ *http.Request) {
	ents, err := fs.ReadDir(h.root.FS(), ".")
	if err != nil {
		http.Error(w, fmt.Sprintf("cannot read the runs folder %s: %v", h.dir, err), http.StatusInternalServerError)
		return
	}
	latest, _ := h.root.Readlink(runs.Latest)
	var es []report.Entry
	for _, d := range ents {
		if d.Name() == runs.Latest || !d.IsDir() {
			continue
		}
		e := h.entry(d.Name())
		e.Latest = path.Clean(latest) == d.Name()
		es = append(es, e)
	}
	report.SortEntries(es)
	h.page(w, func(b io.Writer) error { return report.WriteIndex(b, h.dir, es) })
}

// folder shows one folder: its run, if it is one, and its files.
func (h *runsHandler) folder(w http.ResponseWriter, name string) {
	e := h.entry(name)
	if strings.Contains(name, "/") {
		e.Err = "" // a folder inside a run: just its files
	}
	h.page(w, func(b io.Writer) error { return report.WriteFolder(b, e) })
}

func (h *runsHandler) page(w http.ResponseWriter, write func(io.Writer) error) {
	var b strings.Builder
	if err := write(&b); err != nil {
		http.Error(w, fmt.Sprintf("cannot render the page: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, b.String())
}

// entry reads what the index shows of the folder name.
func (h *runsHandler) entry(name string) report.Entry {
	e := report.Entry{Name: name}
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
	if err != nil {
		e.Err = fmt.Sprintf("not a run folder: no readable %s (%v)", runs.InfoFile, errors.Unwrap(err))
		return e
	}
	var ri runs.Info
	if err := json.Unmarshal(b, &ri); err != nil {
		e.Err = fmt.Sprintf("malformed %s: %v", runs.InfoFile, err)
		return e
	}
	run := report.NewEntry(name, ri)
	run.Files, run.Report = e.Files, e.Report
	return run
}
