package nixstore

import (
	"fmt"
	"strings"
	"testing"
)

// bigDerivation is a .drv of about size bytes in the shape of a large NixOS derivation: many
// attributes, some long multi-line values with characters that need escaping.
func bigDerivation(size int) []byte {
	var env []string
	line := strings.Repeat("export PATH=\"/nix/store/dg2lyi6580sim15cgb8affqsx0rm77z9-x/bin:$PATH\"\t# ok\n", 4)
	for i, n := 0, 0; n < size; i++ {
		env = append(env, fmt.Sprintf("(%s,%s)", EscapeString(fmt.Sprintf("attr%05d", i)), EscapeString(line)))
		n += len(env[len(env)-1]) + 1
	}
	return []byte(`Derive([("out","/nix/store/dg2lyi6580sim15cgb8affqsx0rm77z9-big","","")],[],[],"x86_64-linux","/bin/sh",["-c","true"],[` +
		strings.Join(env, ",") + `])`)
}

func BenchmarkParseDerivation(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20, 16 << 20} {
		data := bigDerivation(size)
		if _, err := ParseDerivation(data); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := ParseDerivation(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
