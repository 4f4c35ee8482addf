package sopsfile

import (
	"strings"
	"testing"
)

// Expected digests computed independently with Python's hashlib over the concatenated byte
// forms (sops' ToBytes): "hello" "12" "True" "1.5" "False" "x"; comments and nulls skipped.
func TestMACVectors(t *testing.T) {
	tree := Branch{
		{Key: Comment{Value: " ignored"}},
		{Key: "a", Value: "hello"},
		{Key: "n", Value: nil},
		{Key: "b", Value: Branch{{Key: "c", Value: 12}, {Key: "d", Value: true}}},
		{Key: "l", Value: []any{1.5, Comment{Value: "x"}, false}},
		{Key: "e_unencrypted", Value: "x"},
	}
	for _, tc := range []struct {
		name string
		meta Metadata
		want string
	}{
		{"all values", Metadata{UnencryptedSuffix: "_unencrypted"}, "2351F1C3C4F4BE7232497835689986885BC5737052CC7828BFF78AB476D26D79872E0A19A440236775D86254CD72F06F0BF768091EA562BBF12D85350613D187"},
		{"mac_only_encrypted", Metadata{EncryptedRegex: "^a$", MACOnlyEncrypted: true}, "AB53BE959DEF78AB23AB9F9A75E134502533FE5A3993047AE8796EADC89707E5244788D2F0A5AD9DF18F64582C106BDAD4937DACD054F46B4FB0B49BDA6E9E7D"},
	} {
		c, _ := newValueCipher(testKey())
		_, mac, err := encryptDocs([]Branch{tree}, &tc.meta, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if mac != tc.want {
			t.Errorf("%s: MAC %s, want %s", tc.name, mac, tc.want)
		}
	}
}

func TestMACSealAndCheck(t *testing.T) {
	c, _ := newValueCipher(testKey())
	m := Metadata{LastModified: "2024-01-02T03:04:05Z"}
	var err error
	m.MAC, err = sealMAC(c, m.LastModified, "ABCD")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkMAC(c, &m, "ABCD"); err != nil {
		t.Fatal(err)
	}
	if err := checkMAC(c, &m, "ABCE"); err != errMACMismatch {
		t.Errorf("other MAC: %v", err)
	}
	m2 := m
	m2.LastModified = "2024-01-02T03:04:06Z"
	if err := checkMAC(c, &m2, "ABCD"); err == nil || !strings.Contains(err.Error(), "lastmodified") {
		t.Errorf("other lastmodified: %v", err)
	}
	// sops re-formats lastmodified before using it: fractional seconds do not count.
	m3 := m
	m3.LastModified = "2024-01-02T03:04:05.999Z"
	if err := checkMAC(c, &m3, "ABCD"); err != nil {
		t.Errorf("fractional lastmodified: %v", err)
	}
	m4 := m
	m4.MAC = ""
	if err := checkMAC(c, &m4, "ABCD"); err != errNoMAC {
		t.Errorf("no MAC: %v", err)
	}
}
