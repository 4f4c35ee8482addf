package sopsfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Store interop with the real sops: sops encrypts a plaintext fixture and decrypts it again;
// its decrypt output must equal what the store emits for the parsed plaintext (with inline
// comment flags dropped, as sops' decryption drops them). This checks parser and emitter
// against sops without needing the cipher, which the core interop tests cover.

// sopsRunner runs sops with explicit --age flags on top of the core's harness (interopEnv,
// interop_test.go), for the store tests that need sops' exact arguments (--extract).
type sopsRunner struct {
	e   *interopEnv
	rcp string
}

func newSopsRunner(t *testing.T) *sopsRunner {
	t.Helper()
	e := newInteropEnv(t, 1)
	e.needSops(t)
	return &sopsRunner{e: e, rcp: e.Recipient(0)}
}

func (s *sopsRunner) run(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	return s.e.runSops(s.e.allKeys, args...)
}

func (s *sopsRunner) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(s.e.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// encrypt has sops encrypt plaintext of format f and returns the encrypted file.
func (s *sopsRunner) encrypt(t *testing.T, f Format, plain []byte, extra ...string) ([]byte, error) {
	t.Helper()
	p := s.write(t, "plain."+string(f), plain)
	args := append([]string{"encrypt", "--age", s.rcp, "--input-type", string(f), "--output-type", string(f)}, extra...)
	return s.run(t, append(args, p)...)
}

// decrypt has sops decrypt an encrypted file of format f.
func (s *sopsRunner) decrypt(t *testing.T, f Format, enc []byte, extra ...string) ([]byte, error) {
	t.Helper()
	p := s.write(t, "enc."+string(f), enc)
	args := append([]string{"decrypt", "--input-type", string(f), "--output-type", string(f)}, extra...)
	return s.run(t, append(args, p)...)
}

// roundTrip is sops encrypt then sops decrypt.
func (s *sopsRunner) roundTrip(t *testing.T, f Format, plain []byte) ([]byte, error) {
	t.Helper()
	enc, err := s.encrypt(t, f, plain)
	if err != nil {
		return nil, err
	}
	return s.decrypt(t, f, enc)
}

// dropInline returns a copy of docs with every comment's Inline flag cleared.
func dropInline(v any) any {
	switch v := v.(type) {
	case []Branch:
		out := make([]Branch, len(v))
		for i, b := range v {
			out[i] = dropInline(b).(Branch)
		}
		return out
	case Branch:
		out := make(Branch, len(v))
		for i, it := range v {
			k := it.Key
			if c, ok := k.(Comment); ok {
				k = Comment{Value: c.Value}
			}
			out[i] = Item{Key: k, Value: dropInline(it.Value)}
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = dropInline(e)
		}
		return out
	case Comment:
		return Comment{Value: v.Value}
	}
	return v
}

// sameBytes is the harness' requireSame (lengths, hashes, first differing line only).
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	requireSame(t, what, got, want)
}

// storeFixtures are plaintext inputs per format; each is checked against sops.
var storeFixtures = map[Format][]struct{ name, plain string }{
	YAML:   yamlFixtures,
	JSON:   jsonFixtures,
	Dotenv: dotenvFixtures,
	INI:    iniFixtures,
}

func TestStoresMatchSopsDecrypt(t *testing.T) {
	s := newSopsRunner(t)
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		if len(storeFixtures[f]) == 0 {
			continue
		}
		st, err := StoreFor(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fx := range storeFixtures[f] {
			t.Run(string(f)+"/"+fx.name, func(t *testing.T) {
				want, err := s.roundTrip(t, f, []byte(fx.plain))
				if err != nil {
					t.Fatal(err)
				}
				docs, err := st.Parse([]byte(fx.plain))
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				got, err := st.Emit(dropInline(docs).([]Branch))
				if err != nil {
					t.Fatalf("emit: %v", err)
				}
				sameBytes(t, fx.name, got, want)
			})
		}
	}
}

// Files sops encrypts must come back byte for byte through Parse and Emit: the encrypted
// layout, metadata position and flattening are then sops' own.
func TestStoresReemitSopsEncrypted(t *testing.T) {
	s := newSopsRunner(t)
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		st, err := StoreFor(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fx := range storeFixtures[f] {
			t.Run(string(f)+"/"+fx.name, func(t *testing.T) {
				enc, err := s.encrypt(t, f, []byte(fx.plain))
				if err != nil {
					t.Fatal(err)
				}
				docs, err := st.Parse(enc)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if _, ok := docs[0].Get("sops"); !ok {
					t.Fatalf("no sops item")
				}
				got, err := st.Emit(docs)
				if err != nil {
					t.Fatalf("emit: %v", err)
				}
				sameBytes(t, fx.name, got, enc)
			})
		}
	}
	t.Run("binary", func(t *testing.T) {
		plain := []byte("\x00 raw bytes \xff\n")
		p := s.write(t, "blob.bin", plain)
		enc, err := s.run(t, "encrypt", "--age", s.rcp, p)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := binaryStore{}.Parse(enc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := binaryStore{}.Emit(docs)
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, "binary", got, enc)
	})
}

// End to end with the core's cipher and metadata, for every store fixture: (a) sops encrypts,
// hush decrypts to exactly sops' plaintext; (b) hush encrypts, sops decrypts to the same
// plaintext it gives for its own file; (c) hush re-encrypting its file unchanged gives the
// same bytes.
func TestStoreFixturesInterop(t *testing.T) {
	e := newInteropEnv(t, 1)
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		for _, fx := range storeFixtures[f] {
			t.Run(string(f)+"/"+fx.name, func(t *testing.T) {
				enc := e.SopsEncrypt(t, f, []byte(fx.plain), e.Rule([]int{0}))
				want := e.SopsDecrypt(t, f, enc)
				file := e.HushDecrypt(t, f, enc, 0)
				got, err := file.Plaintext(f)
				if err != nil {
					t.Fatalf("plaintext: %v", err)
				}
				requireSame(t, "hush decrypt of sops' file", got, want)

				henc := e.HushEncrypt(t, f, []byte(fx.plain), e.Recipients(0), EncryptionRules{})
				requireSame(t, "sops decrypt of hush's file", e.SopsDecrypt(t, f, henc), want)
				// Same layout as sops' own file once ciphertexts and times are masked.
				requireSame(t, "layout of hush's file", maskCiphertexts(henc), maskCiphertexts(enc))

				again, err := e.HushDecrypt(t, f, henc, 0).Encrypt()
				if err != nil {
					t.Fatalf("re-encrypt: %v", err)
				}
				requireSame(t, "unchanged re-encrypt", again, henc)
			})
		}
	}
	t.Run("binary", func(t *testing.T) {
		plain := []byte("raw \x00 bytes \xff\nsecond line")
		enc := e.SopsEncrypt(t, Binary, plain, e.Rule([]int{0}))
		got, err := e.HushDecrypt(t, Binary, enc, 0).Plaintext(Binary)
		if err != nil {
			t.Fatal(err)
		}
		requireSame(t, "hush decrypt of sops' binary file", got, plain)
		henc := e.HushEncrypt(t, Binary, plain, e.Recipients(0), EncryptionRules{})
		requireSame(t, "sops decrypt of hush's binary file", e.SopsDecrypt(t, Binary, henc), plain)
	})
}

func TestReencryptKeepsInlineComments(t *testing.T) {
	e := newInteropEnv(t, 1)
	plain := []byte("a: 1 # why\nb: 2\n")
	henc := e.HushEncrypt(t, YAML, plain, e.Recipients(0), EncryptionRules{})
	again, err := e.HushDecrypt(t, YAML, henc, 0).Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	// Decryption keeps Comment.Inline in File.Docs (sops' plaintext output drops it, and so
	// does File.Plaintext), so an unchanged re-encrypt keeps the comment on its line.
	requireSame(t, "unchanged re-encrypt", again, henc)
}

// --extract: for the top-level keys of every fixture, EmitValue must print what
// `sops decrypt --extract '["key"]'` prints (or fail where sops fails).
func TestStoresExtractMatchSops(t *testing.T) {
	s := newSopsRunner(t)
	for _, f := range []Format{YAML, JSON, Dotenv, INI} {
		st, err := StoreFor(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fx := range storeFixtures[f] {
			t.Run(string(f)+"/"+fx.name, func(t *testing.T) {
				enc, err := s.encrypt(t, f, []byte(fx.plain))
				if err != nil {
					t.Fatal(err)
				}
				docs, err := st.Parse([]byte(fx.plain))
				if err != nil {
					t.Fatal(err)
				}
				docs = dropInline(docs).([]Branch)
				n := 0
				seen := map[string]bool{}
				for _, it := range docs[0] {
					k, ok := it.Key.(string)
					if !ok || strings.ContainsAny(k, "\"\\") || n == 4 || seen[k] {
						continue // sops extracts the first of duplicate keys
					}
					seen[k] = true
					n++
					want, sopsErr := s.decrypt(t, f, enc, "--extract", `["`+k+`"]`)
					got, err := st.EmitValue(it.Value)
					if sopsErr != nil || err != nil {
						if (sopsErr == nil) != (err == nil) {
							t.Errorf("key %q: sops error %v, hush error %v", k, sopsErr != nil, err)
						}
						continue
					}
					sameBytes(t, "extract "+k, got, want)
				}
			})
		}
	}
}

var (
	maskENC  = regexp.MustCompile(`ENC\[[^\]]*\]`)
	maskAge  = regexp.MustCompile(`(?s)-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----`)
	maskTime = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z`)
)

// maskCiphertexts replaces what differs between two encryptions of the same file.
func maskCiphertexts(b []byte) []byte {
	b = maskENC.ReplaceAll(b, []byte("ENC[]"))
	b = maskAge.ReplaceAll(b, []byte("AGE"))
	return maskTime.ReplaceAll(b, []byte("TIME"))
}
