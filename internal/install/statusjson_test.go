package install

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestEncodeStatus: the hand-written encoder reads back, through encoding/json, exactly as
// encoding/json's own output does.
func TestEncodeStatus(t *testing.T) {
	st := &Status{Version: 1, Generation: 3, Created: time.Unix(1700000000, 123).UTC(), InputDigest: "d",
		Files: map[string]string{"/f": "x"}, Identities: []string{"age1..."}, Restart: []string{"a.service"},
		Secrets: []SecretStatus{
			{Name: "a\"b\\c\x01", Source: "/f", Key: "k/l", Target: "/run/s/a", UID: 1, GID: 2, Mode: "0400", State: StateOK, ContentKey: "ck", Changed: time.Unix(5, 6).UTC()},
			{Name: "t", Template: true, Source: "template", Target: "/run/s/rendered/t", Link: "/etc/t", Mode: "0440", State: StateFailed, Reason: "bad \xff utf8", Changed: time.Unix(0, 0).UTC()},
		}}
	ours, err := encodeStatus(st)
	if err != nil {
		t.Fatal(err)
	}
	std, _ := json.Marshal(st)
	var a, b Status
	if err := json.Unmarshal(ours, &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, ours)
	}
	_ = json.Unmarshal(std, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("differs:\n%s\n%s", ours, std)
	}
}
