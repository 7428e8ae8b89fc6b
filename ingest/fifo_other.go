//go:build !unix

package ingest

import (
	"errors"
	"os"
)

// Without named pipes every file goes through the Appender.
const fifoSupported = false

func makeFIFO(string) error { return errors.New("named pipes are not supported here") }
func openFIFOReader(string) (*os.File, error) {
	return nil, errors.New("named pipes are not supported here")
}
func isBrokenPipe(error) bool { return false }
