package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/klauspost/compress/flate"
)

// archive is the zip writer excelize saves through (File.SetZipWriter). It exists for
// three things excelize's public API cannot do:
//
//   - Cached formula results. SetCellFormula stores a formula without a value, and
//     every setter of a value removes the formula. A reader that does not recalculate
//     (tealeg/xlsx, LibreOffice with its default of never recalculating Excel files,
//     a previewer) would show the narrative as empty. The parts named in cached are
//     held back and get a <v> after each formula's <f>.
//   - A fixed order of parts. excelize writes streamed sheets by ranging over a map,
//     so with two or more (a case list rolled over) the archive's order, and so its
//     bytes, would change from run to run. Streamed parts are then compressed to
//     temporary files and stored in name order.
//   - A fixed [Content_Types].xml. Adding a chart makes excelize list the image
//     types by ranging over a map; the <Default> entries are put in order.
//   - No copy in memory. WriteToBuffer builds the whole archive in a bytes.Buffer; this
//     writer ignores that buffer and writes to the file.
type archive struct {
	zw      *zip.Writer
	cached  map[string]map[string]string
	streams map[string]bool // spooled when there is more than one

	held     *bytes.Buffer // the current part, when it gets cached values
	heldName string
	spool    *spooled // the current part, when it is a spooled stream
	spooled  []*spooled
	flushed  bool
	err      error
}

// partLevel is the deflate level of every part. A million-case workbook holds two
// quarter-million-row case lists; at the standard library's default level compressing
// them took 5 of the report's 18 s. klauspost/compress at level 5 takes 1.1 s for a file
// 11% larger (51.7 MB, not 46.6 MB); its levels 1–3 were no faster and gave 57–60 MB.
const partLevel = 5

func deflater(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, partLevel) }

type spooled struct {
	name        string
	file        *os.File
	fw          *flate.Writer
	crc         hash.Hash32
	size, csize uint64
}

func (s *spooled) Write(p []byte) (int, error) {
	s.crc.Write(p)
	s.size += uint64(len(p))
	return s.fw.Write(p)
}

type counter struct {
	w io.Writer
	n *uint64
}

func (c counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += uint64(n)
	return n, err
}

func newArchive(w io.Writer, cached map[string]map[string]string, streams []string) *archive {
	a := &archive{zw: zip.NewWriter(w), cached: cached}
	a.zw.RegisterCompressor(zip.Deflate, deflater)
	if len(streams) > 1 {
		a.streams = map[string]bool{}
		for _, s := range streams {
			a.streams[s] = true
		}
	}
	return a
}

func (a *archive) fail(err error) error {
	if a.err == nil {
		a.err = err
	}
	return a.err
}

// Create starts the part name, ending the one before.
func (a *archive) Create(name string) (io.Writer, error) {
	if err := a.end(); err != nil {
		return nil, err
	}
	if a.streams[name] {
		f, err := os.CreateTemp("", "minqing-part-*")
		if err != nil {
			return nil, a.fail(fmt.Errorf("spooling %s: %w", name, err))
		}
		s := &spooled{name: name, file: f, crc: crc32.NewIEEE()}
		s.fw, _ = flate.NewWriter(counter{f, &s.csize}, partLevel)
		a.spool = s
		return s, nil
	}
	if err := a.flushSpooled(); err != nil {
		return nil, err
	}
	if _, ok := a.cached[name]; ok || name == contentTypes {
		a.held, a.heldName = &bytes.Buffer{}, name
		return a.held, nil
	}
	w, err := a.zw.Create(name)
	if err != nil {
		return nil, a.fail(err)
	}
	return w, nil
}

// end finishes the current part if it was held back or spooled.
func (a *archive) end() error {
	if a.err != nil {
		return a.err
	}
	if s := a.spool; s != nil {
		a.spool = nil
		if err := s.fw.Close(); err != nil {
			return a.fail(fmt.Errorf("spooling %s: %w", s.name, err))
		}
		a.spooled = append(a.spooled, s)
	}
	if a.held != nil {
		var data []byte
		var err error
		if a.heldName == contentTypes {
			data = sortedDefaults(a.held.Bytes())
		} else if data, err = withCached(a.held.Bytes(), a.cached[a.heldName]); err != nil {
			return a.fail(fmt.Errorf("storing formula results in %s: %w", a.heldName, err))
		}
		a.held = nil
		w, err := a.zw.Create(a.heldName)
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			return a.fail(err)
		}
	}
	return nil
}

// flushSpooled stores the spooled streams in name order.
func (a *archive) flushSpooled() error {
	if a.flushed || len(a.spooled) == 0 {
		return a.err
	}
	a.flushed = true
	slices.SortFunc(a.spooled, func(x, y *spooled) int { return strings.Compare(x.name, y.name) })
	for _, s := range a.spooled {
		err := func() error {
			defer os.Remove(s.file.Name())
			defer s.file.Close()
			w, err := a.zw.CreateRaw(&zip.FileHeader{
				Name: s.name, Method: zip.Deflate, CRC32: s.crc.Sum32(),
				CompressedSize64: s.csize, UncompressedSize64: s.size,
			})
			if err != nil {
				return err
			}
			if _, err := s.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err = io.Copy(w, s.file)
			return err
		}()
		if err != nil {
			return a.fail(fmt.Errorf("storing %s: %w", s.name, err))
		}
	}
	return nil
}

// AddFS is part of excelize.ZipWriter; excelize does not call it when saving.
func (a *archive) AddFS(fsys fs.FS) error { return a.zw.AddFS(fsys) }

// Close ends the last part and writes the central directory.
func (a *archive) Close() error {
	if err := a.end(); err != nil {
		return err
	}
	if err := a.flushSpooled(); err != nil {
		return err
	}
	for _, s := range a.spooled { // only when flushing failed half way
		s.file.Close()
		os.Remove(s.file.Name())
	}
	return a.fail(a.zw.Close())
}

// withCached puts <v>text</v> after the <f> of each formula cell named in values.
// A cell that is not found is an error: the narrative would show empty.
func withCached(part []byte, values map[string]string) ([]byte, error) {
	refs := make([]string, 0, len(values))
	for ref := range values {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		start := bytes.Index(part, []byte(`<c r="`+ref+`"`))
		if start < 0 {
			return nil, fmt.Errorf("cell %s not found", ref)
		}
		end := bytes.Index(part[start:], []byte(`</c>`))
		f := bytes.Index(part[start:], []byte(`</f>`))
		if end < 0 || f < 0 || f > end {
			return nil, fmt.Errorf("cell %s has no formula", ref)
		}
		at := start + f + len(`</f>`)
		var v bytes.Buffer
		v.WriteString("<v>")
		if err := xml.EscapeText(&v, []byte(values[ref])); err != nil {
			return nil, err
		}
		v.WriteString("</v>")
		part = slices.Insert(part, at, v.Bytes()...)
	}
	return part, nil
}

const contentTypes = "[Content_Types].xml"

var defaultRE = regexp.MustCompile(`<Default [^>]*?(?:/>|></Default>)`)

// sortedDefaults puts the <Default> entries of [Content_Types].xml in order, where
// the first of them stood.
func sortedDefaults(part []byte) []byte {
	locs := defaultRE.FindAllIndex(part, -1)
	if len(locs) < 2 {
		return part
	}
	entries := make([][]byte, len(locs))
	for i, l := range locs {
		entries[i] = part[l[0]:l[1]]
	}
	slices.SortFunc(entries, bytes.Compare)
	var out []byte
	out = append(out, part[:locs[0][0]]...)
	for _, e := range entries {
		out = append(out, e...)
	}
	prev := locs[0][1]
	for _, l := range locs[1:] {
		out = append(out, part[prev:l[0]]...)
		prev = l[1]
	}
	return append(out, part[prev:]...)
}
