package keys

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// noEnv is a Getenv that sees nothing, so tests never pick up the machine's own keys.
func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func dataKey() []byte {
	h := sha256.Sum256([]byte("hush test data key"))
	return h[:]
}

func TestWrapUnwrapX25519(t *testing.T) {
	id, rcpt, err := GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "AGE-SECRET-KEY-1") || !strings.HasPrefix(rcpt, "age1") {
		t.Fatalf("unexpected key shapes: %d/%d chars", len(id), len(rcpt))
	}
	enc, err := WrapAge(dataKey(), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "-----BEGIN AGE ENCRYPTED FILE-----\n") || !strings.HasSuffix(enc, "-----END AGE ENCRYPTED FILE-----\n") {
		t.Fatalf("not armored as sops writes it:\n%s", enc)
	}
	dir := t.TempDir()
	f := writeFile(t, dir, "keys.txt", "# created: now\n# public key: "+rcpt+"\n"+id+"\n", 0o600)
	set, err := Load(LoadOptions{Files: []string{f}, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := set.UnwrapAge([]byte(enc))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, dataKey()) {
		t.Fatalf("data key mismatch (%d bytes)", len(got))
	}
	if d := set.Describe(); len(d) != 1 || d[0] != rcpt+" (from "+f+")" {
		t.Fatalf("Describe = %q", d)
	}
	if r := set.AgeRecipients(); len(r) != 1 || r[0] != rcpt {
		t.Fatalf("AgeRecipients = %q", r)
	}
	for _, d := range set.Describe() {
		if strings.Contains(d, "AGE-SECRET") {
			t.Fatal("Describe leaks secret material")
		}
	}
}

func TestUnwrapAgeWrongKey(t *testing.T) {
	_, rcpt, _ := GenerateX25519()
	other, _, _ := GenerateX25519()
	enc, err := WrapAge(dataKey(), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": other}), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = set.UnwrapAge([]byte(enc))
	if !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("want ErrNoIdentity, got %v", err)
	}
	empty, err := Load(LoadOptions{Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := empty.UnwrapAge([]byte(enc)); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("empty set: want ErrNoIdentity, got %v", err)
	}
}

// TestUnwrapAgeConcurrent decrypts blobs for two different identities from many goroutines
// (run with -race to check the last-success reordering).
func TestUnwrapAgeConcurrent(t *testing.T) {
	id1, r1, _ := GenerateX25519()
	id2, r2, _ := GenerateX25519()
	e1, _ := WrapAge(dataKey(), r1)
	e2, _ := WrapAge(dataKey(), r2)
	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": id1 + "\n" + id2}), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := e1
			if i%3 == 0 {
				enc = e2
			}
			got, err := set.UnwrapAge([]byte(enc))
			if err == nil && !bytes.Equal(got, dataKey()) {
				err = errors.New("wrong data key")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
