package sopsfile

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"github.com/hush-nix/hush/internal/keys"
)

// Decrypt benchmarks: whole files (parse, unwrap the data key with age, decrypt every value,
// verify the MAC) of 10, 1,000 and 100,000 values.
//
//	go test ./internal/sopsfile -run '^$' -bench 'Decrypt' -benchmem
//
// The comparison with the sops CLI is bench/decrypt.sh.

// benchDocs is a document of n string values spread over maps of 100 entries, with a few
// other types mixed in.
func benchDocs(n int) []Branch {
	var root Branch
	var cur Branch
	for i := 0; i < n; i++ {
		var v any = fmt.Sprintf("value-%d-%032x", i, i*7919)
		switch i % 10 {
		case 3:
			v = i
		case 7:
			v = i%2 == 0
		}
		cur = append(cur, Item{Key: fmt.Sprintf("key%d", i), Value: v})
		if len(cur) == 100 || i == n-1 {
			root = append(root, Item{Key: fmt.Sprintf("group%d", len(root)), Value: cur})
			cur = nil
		}
	}
	return []Branch{root}
}

func benchFile(b *testing.B, f Format, n int) ([]byte, *keys.Set) {
	b.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "key.txt")
	if err := os.WriteFile(p, []byte(id.String()+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	ids, err := keys.Load(keys.LoadOptions{Files: []string{p}, NoDefaults: true, Getenv: func(string) string { return "" }})
	if err != nil {
		b.Fatal(err)
	}
	file, err := New("bench."+string(f), f, benchDocs(n), Recipients{Groups: []KeyGroupRecipients{{Age: []string{id.Recipient().String()}}}}, EncryptionRules{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := file.Encrypt()
	if err != nil {
		b.Fatal(err)
	}
	return data, ids
}

func BenchmarkDecrypt(b *testing.B) {
	for _, f := range []Format{YAML, JSON} {
		for _, n := range []int{10, 1000, 100000} {
			b.Run(fmt.Sprintf("%s/%d", f, n), func(b *testing.B) {
				data, ids := benchFile(b, f, n)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Decrypt("bench", data, f, ids); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecryptValues is the per-value cost without parsing or key unwrapping: the walk,
// AES-GCM and the MAC over already parsed documents of 1,000 values.
func BenchmarkDecryptValues(b *testing.B) {
	data, ids := benchFile(b, JSON, 1000)
	f, err := Decrypt("bench", data, JSON, ids)
	if err != nil {
		b.Fatal(err)
	}
	docs, meta, err := parseEncrypted(data, JSON)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		fresh := deepCopy(docs).([]Branch)
		b.StartTimer()
		if err := decryptDocs(fresh, &meta, f.DataKey); err != nil {
			b.Fatal(err)
		}
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case []Branch:
		out := make([]Branch, len(v))
		for i := range v {
			out[i] = deepCopy(v[i]).(Branch)
		}
		return out
	case Branch:
		out := make(Branch, len(v))
		for i, it := range v {
			out[i] = Item{Key: it.Key, Value: deepCopy(it.Value)}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = deepCopy(v[i])
		}
		return out
	}
	return v
}
