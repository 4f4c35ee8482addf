package sopsfile

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Fuzz targets for the remaining parsers of issue 2's scope: key paths (--extract, set,
// unset) and whole-file age files (agenix style). Run each for a minute with e.g.
//
//	go test ./internal/sopsfile -run '^$' -fuzz '^FuzzParseKeyPath$' -fuzztime 60s
//	go test ./internal/sopsfile -run '^$' -fuzz '^FuzzAgeFile$' -fuzztime 60s

// sopsTreePath is sops v3.13.3's reading of a key path (cmd/sops parseTreePath), restated
// for the differential check below; it gives up where sops would panic.
func sopsTreePath(arg string) (p []any, err error) {
	for _, c := range strings.Split(arg, "[") {
		if c == "" {
			continue
		}
		if c[len(c)-1] != ']' {
			return nil, errors.New("no ]")
		}
		c = c[:len(c)-1]
		if c == "" {
			return nil, errors.New("sops panics")
		}
		if c[0] == '"' || c[0] == '\'' {
			if len(c) < 2 {
				return nil, errors.New("sops panics")
			}
			p = append(p, c[1:len(c)-1])
			continue
		}
		i, err := strconv.Atoi(c)
		if err != nil {
			return nil, err
		}
		p = append(p, i)
	}
	return p, nil
}

func FuzzParseKeyPath(f *testing.F) {
	for _, s := range []string{`["a"]["b"][0]`, `['a']`, `[0][1]`, `[""]`, `["a]`, `[]`, `["`, `[`,
		`["a"]x`, `[-1]`, `[+1]`, `["a[b"]`, `['a"]`, `["a"]]`, `[99999999999999999999]`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseKeyPath(s)
		if err != nil {
			if p != nil {
				t.Fatal("path and error")
			}
			return
		}
		if len(p) == 0 {
			t.Fatal("empty path without error")
		}
		plain := true
		for _, e := range p {
			switch e := e.(type) {
			case int:
				if e < 0 {
					t.Fatalf("negative index %d", e)
				}
			case string:
				if strings.ContainsAny(e, `[]"'`) {
					plain = false
				}
			default:
				t.Fatalf("element of type %T", e)
			}
		}
		// Where the keys hold no brackets or quotes, sops reads the same path.
		if plain {
			want, err := sopsTreePath(s)
			if err != nil || !reflect.DeepEqual([]any(p), want) {
				t.Fatalf("%q: hush %v, sops %v (%v)", s, p, want, err)
			}
		}
	})
}

// FuzzAgeFile: IsAgeFile and DecryptAgeFile on any input: no panic, errors name the file;
// what decrypts is what age itself decrypts.
func FuzzAgeFile(f *testing.F) {
	ids, rcp := fuzzKeySet(f)
	r, err := age.ParseX25519Recipient(rcp)
	if err != nil {
		f.Fatal(err)
	}
	for _, size := range []int{0, 5, 70000} {
		var bin bytes.Buffer
		w, _ := age.Encrypt(&bin, r)
		w.Write(bytes.Repeat([]byte{'s'}, size))
		w.Close()
		f.Add(bin.Bytes())
		var arm bytes.Buffer
		aw := armor.NewWriter(&arm)
		aw.Write(bin.Bytes())
		aw.Close()
		f.Add(arm.Bytes())
		f.Add(append([]byte("\n  "), arm.Bytes()...))
	}
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\nAAAA\n--- AAAA\n"))
	f.Add([]byte("-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !IsAgeFile(data) {
			return
		}
		got, err := DecryptAgeFile("fuzz.age", data, ids)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.age: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		id, _ := age.ParseX25519Identity(fuzzIdentity)
		var src = bytes.NewReader(data)
		var rd interface{ Read([]byte) (int, error) } = src
		if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
			rd = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
		}
		dr, err := age.Decrypt(rd, id)
		if err != nil {
			return // the armor reader is more lenient than age's (see keys.FuzzDecryptBlob)
		}
		var want bytes.Buffer
		if _, err := want.ReadFrom(dr); err == nil && !bytes.Equal(got, want.Bytes()) {
			t.Fatal("plaintext differs from age's")
		}
	})
}
