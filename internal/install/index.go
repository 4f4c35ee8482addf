package install

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The index (.hush/index) is what the next run needs from a generation, in a form that
// costs a millisecond to read for 10,000 secrets (status.json, for people and hush status,
// costs twenty): per entry its relative name, state, content key, last change and custom
// link, NUL-separated (names and paths cannot hold NUL), one entry per line.

const indexFile = "index"

func encodeIndex(secrets []SecretStatus) []byte {
	var b bytes.Buffer
	for _, s := range secrets {
		b.WriteString(s.relName())
		b.WriteByte(0)
		b.WriteString(string(s.State))
		b.WriteByte(0)
		b.WriteString(s.ContentKey)
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(s.Changed.UnixNano(), 10))
		b.WriteByte(0)
		b.WriteString(s.Link)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeIndex(data []byte) (map[string]*SecretStatus, error) {
	out := map[string]*SecretStatus{}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, errors.New("index: truncated")
		}
		f := strings.Split(string(data[:i]), "\x00")
		data = data[i+1:]
		if len(f) != 5 {
			return nil, errors.New("index: bad entry")
		}
		ns, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return nil, errors.New("index: bad time")
		}
		s := &SecretStatus{Name: f[0], State: State(f[1]), ContentKey: f[2], Changed: time.Unix(0, ns).UTC(), Link: f[4]}
		if rest, ok := strings.CutPrefix(f[0], RenderedDir+"/"); ok {
			// A template (secrets cannot live under rendered/ when there are templates; a
			// secret there without templates is read back as one, which only affects how
			// its name is printed).
			s.Name, s.Template = rest, true
		}
		out[f[0]] = s
	}
	return out, nil
}

// readMeta reads a generation's digest and index; ok is false when either is missing.
func readMeta(genfd int) (digest string, byName map[string]*SecretStatus, ok bool) {
	mfd, err := openatDir(genfd, metaDir)
	if err != nil {
		return "", nil, false
	}
	defer unix.Close(mfd)
	d, err := readFileAt(mfd, digestFile)
	if err != nil {
		return "", nil, false
	}
	raw, err := readFileAt(mfd, indexFile)
	if err != nil {
		return "", nil, false
	}
	byName, err = decodeIndex(raw)
	if err != nil {
		return "", nil, false
	}
	return string(d), byName, true
}

// encodeUnits and decodeUnits carry the restart and reload lists in the report-pending
// marker, so a run killed after its switch can finish the report without status.json.
func encodeUnits(restart, reload []string) []byte {
	return []byte(strings.Join(restart, "\n") + "\x00" + strings.Join(reload, "\n"))
}

func decodeUnits(b []byte) (restart, reload []string) {
	a, c, _ := strings.Cut(string(b), "\x00")
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	return split(a), split(c)
}
