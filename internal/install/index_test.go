package install

import (
	"testing"
	"time"
)

func TestIndexRoundTrip(t *testing.T) {
	in := []SecretStatus{
		{Name: "a/b", State: StateOK, ContentKey: "k1", Changed: time.Unix(1700000000, 5).UTC(), Link: "/etc/x"},
		{Name: "t.conf", Template: true, State: StateStale, ContentKey: "k2", Changed: time.Unix(1, 0).UTC()},
	}
	got, err := decodeIndex(encodeIndex(in))
	if err != nil {
		t.Fatal(err)
	}
	if a := got["a/b"]; a == nil || a.ContentKey != "k1" || a.Link != "/etc/x" || !a.Changed.Equal(in[0].Changed) || a.State != StateOK {
		t.Errorf("a/b: %+v", a)
	}
	if tp := got["rendered/t.conf"]; tp == nil || !tp.Template || tp.Name != "t.conf" || tp.State != StateStale {
		t.Errorf("template: %+v", tp)
	}
	r, l := decodeUnits(encodeUnits([]string{"a.service", "b.service"}, nil))
	if len(r) != 2 || len(l) != 0 {
		t.Errorf("units %v %v", r, l)
	}
}

// FuzzDecodeIndex: a damaged index is an error or a map, never a panic, and what decodes
// re-encodes to something that decodes the same.
func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex([]SecretStatus{{Name: "a", State: StateOK, ContentKey: "k", Link: "/x"}}))
	f.Add([]byte("a\x00ok\x00k\x00notanumber\x00\n"))
	f.Add([]byte("truncated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeIndex(data)
		if err != nil {
			return
		}
		var list []SecretStatus
		for _, s := range m {
			list = append(list, *s)
		}
		m2, err := decodeIndex(encodeIndex(list))
		if err != nil || len(m2) > len(m) {
			t.Fatalf("re-decode: %v (%d vs %d)", err, len(m2), len(m))
		}
	})
}
