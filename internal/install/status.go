package install

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// State is one secret's outcome in a generation.
type State string

const (
	StateOK     State = "ok"
	StateStale  State = "stale"  // this run failed; the last good value was kept
	StateFailed State = "failed" // this run failed and there was no previous value: absent
)

// Status is a generation's record, written as .hush/status.json (root-only, mode 0600, in a
// 0700 directory). It never holds a secret value nor a digest of one: content keys are
// digests of ciphertext and manifest entries only.
type Status struct {
	Version     int               `json:"version"`
	Generation  int               `json:"generation"`
	Created     time.Time         `json:"created"`
	Manifest    string            `json:"manifest,omitempty"`
	InputDigest string            `json:"inputDigest"`
	Files       map[string]string `json:"files"` // source file -> sha256 of its bytes
	Identities  []string          `json:"identities"`
	Restart     []string          `json:"restartUnits,omitempty"`
	Reload      []string          `json:"reloadUnits,omitempty"`
	Secrets     []SecretStatus    `json:"secrets"`
}

// SecretStatus is one entry of Status.
type SecretStatus struct {
	Name       string    `json:"name"`
	Template   bool      `json:"template,omitempty"`
	Source     string    `json:"source,omitempty"` // file, or "template"
	Key        string    `json:"key,omitempty"`
	Target     string    `json:"target"`         // the file under the symlink
	Link       string    `json:"link,omitempty"` // the custom path symlink, if any
	UID        int       `json:"uid"`
	GID        int       `json:"gid"`
	Mode       string    `json:"mode"`
	State      State     `json:"state"`
	Reason     string    `json:"reason,omitempty"`
	ContentKey string    `json:"contentKey,omitempty"`
	Changed    time.Time `json:"changed"` // when this name's bytes last changed
}

const statusVersion = 1

// relName is a secret's or template's path relative to the generation directory.
func (s SecretStatus) relName() string {
	if s.Template {
		return RenderedDir + "/" + s.Name
	}
	return s.Name
}

// ReadStatus returns the status of the generation the symlink points at.
func ReadStatus(symlink string) (*Status, string, error) {
	target, err := os.Readlink(symlink)
	if err != nil {
		return nil, "", fmt.Errorf("no installed generation at %s: %w", symlink, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(symlink), target)
	}
	fd, err := openDirNoFollow(target)
	if err != nil {
		return nil, target, err
	}
	defer unix.Close(fd)
	st, err := readStatusAt(fd)
	return st, target, err
}

func readStatusAt(genfd int) (*Status, error) {
	mfd, err := openatDir(genfd, metaDir)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	defer unix.Close(mfd)
	data, err := readFileAt(mfd, "status.json")
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	var st Status
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("status.json: %w", err)
	}
	if st.Version != statusVersion {
		return nil, fmt.Errorf("status.json: unknown version %d", st.Version)
	}
	return &st, nil
}

// generationNumber parses the numeric name of a generation directory.
func generationNumber(name string) (int, bool) {
	if name == "" || strings.TrimLeft(name, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(name)
	return n, err == nil
}

func modeString(m uint32) string { return fmt.Sprintf("%04o", m) }
