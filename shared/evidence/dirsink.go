package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// DirSink returns a Sink writing the files into the directory dir, which
// must exist: for tests and for building a bundle on disk. A file whose
// writing failed is removed.
func DirSink(dir string) Sink { return dirSink(dir) }

type dirSink string

// Create implements Sink.
func (d dirSink) Create(_ context.Context, name, _ string) (io.WriteCloser, error) {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return nil, fmt.Errorf("dir sink: %q is not a file name", name)
	}
	f, err := os.Create(filepath.Join(string(d), name))
	if err != nil {
		return nil, err
	}
	return dirFile{f}, nil
}

// dirFile is a file of a dirSink.
type dirFile struct{ *os.File }

// CloseWithError closes the file and removes it.
func (f dirFile) CloseWithError(error) error {
	return errors.Join(f.Close(), os.Remove(f.Name()))
}
