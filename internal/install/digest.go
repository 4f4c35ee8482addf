package install

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
)

// digester hashes a sequence of fields unambiguously (each string length-prefixed). It
// replaces JSON encoding for the per-secret content keys and the input digest, which for
// 10,000 secrets cost more than the rest of a no-op run.
type digester struct {
	h   hash.Hash
	buf [8]byte
}

func newDigester(domain string) *digester {
	d := &digester{h: sha256.New()}
	d.str(domain)
	return d
}

func (d *digester) str(s string) {
	binary.LittleEndian.PutUint64(d.buf[:], uint64(len(s)))
	d.h.Write(d.buf[:])
	d.h.Write([]byte(s))
}

func (d *digester) num(n int) {
	binary.LittleEndian.PutUint64(d.buf[:], uint64(n))
	d.h.Write(d.buf[:])
}

func (d *digester) flag(b bool) {
	if b {
		d.num(1)
	} else {
		d.num(0)
	}
}

func (d *digester) strs(l []string) {
	d.num(len(l))
	for _, s := range l {
		d.str(s)
	}
}

// key writes a key path: each element typed, so "0" and 0 differ.
func (d *digester) key(k []any) {
	d.num(len(k))
	for _, e := range k {
		switch e := e.(type) {
		case string:
			d.str("s" + e)
		case int:
			d.str("i" + fmt.Sprint(e))
		default:
			d.str(fmt.Sprintf("?%T%v", e, e))
		}
	}
}

func (d *digester) attrs(a *Attrs) {
	d.str(a.Path)
	d.str(a.Owner.Name)
	d.num(a.Owner.ID)
	d.str(a.Group.Name)
	d.num(a.Group.ID)
	d.num(int(a.Mode))
	d.strs(a.RestartUnits)
	d.strs(a.ReloadUnits)
}

func (d *digester) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
