//go:build unix

package ingest

import (
	"errors"
	"os"
	"syscall"
)

const fifoSupported = true

func makeFIFO(path string) error { return syscall.Mkfifo(path, 0o600) }

// openFIFOReader opens the pipe's read end without waiting for a writer.
func openFIFOReader(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

func isBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
