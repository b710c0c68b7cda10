package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gridgov/data"
)

// pgBin is where Debian's postgresql-15 package puts the server programs (scripts/db.sh installs it).
const pgBin = "/usr/lib/postgresql/15/bin"

// cluster is a throwaway PostgreSQL cluster of one test, for tests that stop and start the database: the shared
// cluster of `make test` must never be stopped under the other tests.
type cluster struct {
	t    testing.TB
	dir  string // the temporary directory: data/, the log and the unix socket
	port int
}

// requireDB fails the test when the database tests must run (REQUIRE_TEST_DB=1 or CI=true, as `make test` sets),
// and skips it otherwise.
func requireDB(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" || os.Getenv("REQUIRE_TEST_DB") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// newCluster initialises a cluster in a temporary directory on a free loopback port, starts it and creates the
// database gridgov; it is stopped and deleted when the test ends. As root, the server runs as the postgres account,
// the way scripts/db.sh runs it.
func newCluster(t testing.TB) *cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		requireDB(t, "no PostgreSQL 15 in %s (`make db-up` installs it): %v", pgBin, err)
	}
	dir, err := os.MkdirTemp("", "gridgov-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir}
	t.Cleanup(func() {
		_ = c.pgctl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			requireDB(t, "running as root needs the postgres account to run the server: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		// The account must also be able to enter the directories above (TMPDIR may be private).
		if err := c.owner("test", "-x", dir).Run(); err != nil {
			requireDB(t, "the postgres account cannot enter %s; set TMPDIR to a directory it can reach", dir)
		}
	}
	c.port = freePort(t)
	if out, err := c.owner(filepath.Join(pgBin, "initdb"), "-D", c.data(), "-U", "gridgov", "--auth=trust",
		"--encoding=UTF8", "--locale=C.UTF-8").CombinedOutput(); err != nil {
		requireDB(t, "initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"+
		"max_connections = 100\nshared_buffers = 32MB\nfsync = on\nsynchronous_commit = on\n", c.port, c.dir)
	f, err := os.OpenFile(filepath.Join(c.data(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := c.start(); err != nil {
		requireDB(t, "start the throwaway cluster: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := data.Open(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE DATABASE gridgov"); err != nil {
		t.Fatal(err)
	}
	db, err := data.Open(ctx, c.url("gridgov"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		requireDB(t, "PostGIS in the throwaway cluster: %v", err)
	}
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://gridgov@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// owner runs a program as the cluster's owner.
func (c *cluster) owner(name string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (c *cluster) pgctl(args ...string) error {
	args = append([]string{"-D", c.data(), "-w", "-t", "60"}, args...)
	out, err := c.owner(filepath.Join(pgBin, "pg_ctl"), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and returns once it accepts connections.
func (c *cluster) start() error { return c.pgctl("-l", filepath.Join(c.dir, "pg.log"), "start") }

// stop stops the server in mode immediate (like a crash: no checkpoint, recovery at the next start) or fast
// (sessions are terminated, then a clean shutdown).
func (c *cluster) stop(mode string) error { return c.pgctl("-m", mode, "stop") }

// freePort returns a loopback port nobody listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// signal sends sig to the postmaster and every server process under it: SIGSTOP freezes the database so that
// it accepts TCP connections (the kernel does) but answers nothing, as a hung or black-holed server would;
// SIGCONT thaws it.
func (c *cluster) signal(sig syscall.Signal) error {
	raw, err := os.ReadFile(filepath.Join(c.data(), "postmaster.pid"))
	if err != nil {
		return err
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]))
	if err != nil {
		return fmt.Errorf("postmaster.pid: %v", err)
	}
	pids := []int{pm}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pm) {
			pid, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(filepath.Dir(p)), "/"))
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil && pid == pm {
			return err
		}
	}
	return nil
}
