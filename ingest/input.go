package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// ErrChanged means a file's bytes changed between its hashing and its reading: nothing
// of it is stored, and the next run reads it afresh.
var ErrChanged = errors.New("the file changed while it was read; it is read again on the next run")

// beforeRead runs between a file's hashing and its reading; tests replace the file there.
var beforeRead = func(path string) {}

// input is one file being loaded, opened once: its SHA-256 is of the bytes of that open
// file, and every read of it reads those same bytes, so that a file replaced under its
// path while it loads is never registered with another file's rows.
type input struct {
	f    *os.File
	path string
	sum  string
	size int64
	copy string // a workbook's private copy, read in its place
}

func openInput(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in := &input{f: f, path: path}
	h := sha256.New()
	if in.size, err = io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		f.Close()
		return nil, err
	}
	in.sum = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

func (in *input) Close() {
	in.f.Close()
	if in.copy != "" {
		os.Remove(in.copy)
	}
}

// streams opens the file's tables; it may be called again to read them again. A text
// file is read from the open file, hashed as it is read: after its last row the stream
// fails with ErrChanged unless the bytes read are the bytes hashed. A workbook, which
// needs random access by path, is first copied from the open file to a private copy,
// hashed as it is copied, and the copy is read.
func (in *input) streams(encoding string) ([]streamSheet, string, func(), error) {
	noop := func() {}
	if isText(in.path) {
		h := sha256.New()
		r := &hashingReader{r: io.NewSectionReader(in.f, 0, 1<<62), h: h}
		again := func() io.Reader { return io.NewSectionReader(in.f, 0, 1<<62) }
		sheets, used, err := textStreams(r, again, in.path, encoding)
		if err != nil {
			return nil, "", noop, err
		}
		for i := range sheets {
			sheets[i].Rows = &checkedStream{rowStream: sheets[i].Rows, check: func() error {
				if _, err := io.Copy(io.Discard, r); err != nil {
					return err
				}
				if r.n != in.size || hex.EncodeToString(h.Sum(nil)) != in.sum {
					return ErrChanged
				}
				return nil
			}}
		}
		return sheets, used, noop, nil
	}
	if in.copy == "" {
		tmp, err := os.CreateTemp("", "minqing-copy-*"+filepath.Ext(in.path))
		if err != nil {
			return nil, "", noop, err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(tmp, h), io.NewSectionReader(in.f, 0, 1<<62))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		in.copy = tmp.Name()
		if err != nil {
			return nil, "", noop, fmt.Errorf("copying the file: %w", err)
		}
		if n != in.size || hex.EncodeToString(h.Sum(nil)) != in.sum {
			return nil, "", noop, ErrChanged
		}
	}
	return workbookStreams(in.copy)
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	return n, err
}

// checkedStream runs check when the stream ends: its error, if any, replaces io.EOF.
type checkedStream struct {
	rowStream
	check func() error
	done  bool
}

func (c *checkedStream) Next() (gridRow, error) {
	r, err := c.rowStream.Next()
	if err == io.EOF && !c.done {
		c.done = true
		if cerr := c.check(); cerr != nil {
			return gridRow{}, cerr
		}
	}
	return r, err
}
