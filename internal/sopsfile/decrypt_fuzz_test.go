package sopsfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/hush-nix/hush/internal/keys"
)

// Fuzz targets for the core: whole-file decryption (metadata, key unwrapping, the walk, the
// MAC) and the ENC[...] value parser. Run each for a minute with e.g.
//
//	go test ./internal/sopsfile -run '^$' -fuzz '^FuzzDecrypt$' -fuzztime 60s
//	go test ./internal/sopsfile -run '^$' -fuzz '^FuzzDecryptValue$' -fuzztime 60s

// fuzzIdentity is a throwaway age identity used only by these fuzz targets, so that seeds
// can be real files that decrypt.
const fuzzIdentity = "AGE-SECRET-KEY-1YJEE5JG80AU9GSPCKFSGLUWRTQ0PJVF4CWNUM7ECG0LFGEMW8RNQGQMEWG"

func fuzzKeySet(f *testing.F) (*keys.Set, string) {
	id, err := age.ParseX25519Identity(fuzzIdentity)
	if err != nil {
		f.Fatal(err)
	}
	p := filepath.Join(f.TempDir(), "key.txt")
	if err := os.WriteFile(p, []byte(fuzzIdentity+"\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	ids, err := keys.Load(keys.LoadOptions{Files: []string{p}, NoDefaults: true, Getenv: func(string) string { return "" }})
	if err != nil {
		f.Fatal(err)
	}
	return ids, id.Recipient().String()
}

var fuzzFormats = []Format{YAML, JSON, Dotenv, INI, Binary}

func FuzzDecrypt(f *testing.F) {
	ids, rcp := fuzzKeySet(f)
	plains := map[Format]string{
		YAML:   "# c\na: 1\nb:\n  - x # i\n  - {c: true, d: 1.5}\ne_unencrypted: clear\n",
		JSON:   `{"a": 1, "b": ["x", {"c": true}], "e": ""}`,
		Dotenv: "A=1\nB=two\n",
		INI:    "[s]\na = 1\n",
		Binary: "raw\x00bytes\n",
	}
	for i, fm := range fuzzFormats {
		docs, err := ParsePlain([]byte(plains[fm]), fm)
		if err != nil {
			continue
		}
		for _, r := range []Recipients{
			{Groups: []KeyGroupRecipients{{Age: []string{rcp}}}},
			{Groups: []KeyGroupRecipients{{Age: []string{rcp}}, {Age: []string{rcp}}}, ShamirThreshold: 2},
		} {
			file, err := New("seed", fm, docs, r, EncryptionRules{})
			if err != nil {
				continue
			}
			if enc, err := file.Encrypt(); err == nil {
				f.Add(byte(i), enc)
			}
		}
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzzseed", "*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			for i, fm := range fuzzFormats {
				if strings.HasSuffix(p, "."+string(fm)) {
					f.Add(byte(i), data)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		fm := fuzzFormats[int(which)%len(fuzzFormats)]
		file, err := Decrypt("fuzz", data, fm, ids)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		// A file that decrypts re-encrypts, and the result decrypts to the same documents.
		out, err := file.Encrypt()
		if err != nil {
			return // e.g. trees sops cannot write either (non-string keys)
		}
		again, err := Decrypt("fuzz", out, fm, ids)
		if err != nil {
			t.Fatalf("hush cannot read its own re-encryption: %v", err)
		}
		if !treesEqual(again.Docs, file.Docs) {
			t.Fatal("re-encryption changed the documents")
		}
	})
}

func FuzzDecryptValue(f *testing.F) {
	c, _ := newValueCipher(testKey())
	for _, v := range []any{"hello", 42, 1.5, true, Comment{Value: "c"}} {
		s, _ := c.encryptValue(v, []byte("a:"), nil)
		f.Add(s, "a:")
	}
	f.Add("ENC[AES256_GCM,data:,iv:,tag:,type:]", ":")
	f.Add("ENC[AES256_GCM,data:AA==,iv:AA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]x]", "")
	f.Fuzz(func(t *testing.T, s, ad string) {
		v, err := c.decryptValue(s, []byte(ad))
		if err != nil {
			return
		}
		// Whatever opens must seal and open again to the same value.
		if isEmptyValue(v) {
			return
		}
		s2, err := c.encryptValue(v, []byte(ad), nil)
		if err != nil {
			if _, isBytes := v.([]byte); isBytes {
				return
			}
			t.Fatalf("cannot re-encrypt a decrypted %T: %v", v, err)
		}
		v2, err := c.decryptValue(s2, []byte(ad))
		if err != nil {
			t.Fatalf("cannot decrypt own output: %v", err)
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		if !treesEqual(v, v2) {
			if f1, ok := v.(float64); ok && f1 != f1 {
				return // NaN
			}
			t.Fatalf("round trip changed a %T", v)
		}
	})
}
