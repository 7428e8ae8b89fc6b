package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHeldNamesTheHolder: a store another process holds is refused with ErrHeld, naming that
// process's id and command line and what to do. The holder is this test binary, run again.
func TestHeldNamesTheHolder(t *testing.T) {
	if path := os.Getenv("MINQING_TEST_HOLD_STORE"); path != "" {
		db, err := Open(context.Background(), path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		defer db.Close()
		fmt.Println("held")
		bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
		return
	}
	path := filepath.Join(t.TempDir(), "held.duckdb")
	holder := exec.Command(os.Args[0], "-test.run=^TestHeldNamesTheHolder$", "-test.count=1")
	holder.Env = append(os.Environ(), "MINQING_TEST_HOLD_STORE="+path)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		holder.Wait()
	}()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("the holder said %q", line)
	}
	_, err = Open(context.Background(), path)
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("opening a held store: %v, want ErrHeld", err)
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"process " + strconv.Itoa(holder.Process.Pid), "-test.run=^TestHeldNamesTheHolder$", "kill " + strconv.Itoa(holder.Process.Pid), path} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
}

// TestClassifyHeld: the holder as DuckDB's message and the OS tell it, and the fallbacks when
// they tell less.
func TestClassifyHeld(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "4242"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "4242", "cmdline"), []byte("minqing\x00schedule\x00--config\x00/srv/minqing.yaml\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := procRoot
	procRoot = dir
	defer func() { procRoot = old }()
	for _, tc := range []struct {
		name, duck string
		says       []string
	}{
		{"pid and command line", `IO Error: Could not set lock on file "/d/m.duckdb": Conflicting lock is held in /usr/local/bin/minqing (PID 4242) by user ops.`,
			[]string{"process 4242 (minqing schedule --config /srv/minqing.yaml) has it open", "kill 4242"}},
		{"pid, the OS silent", `IO Error: Could not set lock on file "/d/m.duckdb": Conflicting lock is held in /opt/minqing (PID 77) by user ops.`,
			[]string{"process 77 (/opt/minqing) has it open", "kill 77"}},
		{"nothing said", `IO Error: Could not set lock on file "/d/m.duckdb": Resource temporarily unavailable`,
			[]string{"another process has it open", "stop that process"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("/d/m.duckdb", errors.New(tc.duck))
			if !errors.Is(err, ErrHeld) {
				t.Fatalf("%v is not ErrHeld", err)
			}
			for _, s := range append(tc.says, `opening store "/d/m.duckdb"`, "wait for that command to finish") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
		})
	}
	if err := classify("/d/m.duckdb", errors.New("IO Error: disk full")); errors.Is(err, ErrHeld) {
		t.Errorf("a disk error taken for a held store: %v", err)
	}
}

// TestOpenMakesTheFolder: a store whose folder does not exist yet is made in a new
// folder, not refused with DuckDB's "No such file or directory".
func TestOpenMakesTheFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "2024", "minqing.duckdb")
	db, err := OpenWith(context.Background(), path, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("create table t (x int)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no store at %s: %v", path, err)
	}
}
