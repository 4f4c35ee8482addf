package sopsfile

import (
	"strings"
	"testing"
	"time"
)

func ageEntry(r string) Branch {
	return Branch{{Key: "enc", Value: "-----BEGIN AGE ENCRYPTED FILE-----\nx\n-----END AGE ENCRYPTED FILE-----\n"}, {Key: "recipient", Value: r}}
}

func TestMetadataRoundTrip(t *testing.T) {
	kms := Branch{{Key: "arn", Value: "arn:aws:kms:eu-west-1:1:key/x"}, {Key: "aws_profile", Value: ""}, {Key: "created_at", Value: "2024-01-01T00:00:00Z"}, {Key: "enc", Value: "AQID"}}
	for _, tc := range []struct {
		name string
		in   Branch
	}{
		{"flat age", Branch{
			{Key: "age", Value: []any{ageEntry("age1a"), ageEntry("age1b")}},
			{Key: "lastmodified", Value: "2024-01-01T00:00:00Z"},
			{Key: "mac", Value: "ENC[...]"},
			{Key: "unencrypted_suffix", Value: "_unencrypted"},
			{Key: "version", Value: "3.13.3"},
		}},
		{"pgp kms regex mac_only", Branch{
			{Key: "encrypted_regex", Value: "^data$"},
			{Key: "kms", Value: []any{kms}},
			{Key: "lastmodified", Value: "2024-01-01T00:00:00Z"},
			{Key: "mac", Value: "ENC[...]"},
			{Key: "mac_only_encrypted", Value: true},
			{Key: "pgp", Value: []any{Branch{{Key: "created_at", Value: "2024-01-01T00:00:00Z"}, {Key: "enc", Value: "-----BEGIN PGP MESSAGE-----\n"}, {Key: "fp", Value: "ABCD"}}}},
			{Key: "version", Value: "3.13.3"},
		}},
		{"key groups", Branch{
			{Key: "key_groups", Value: []any{
				Branch{{Key: "age", Value: []any{ageEntry("age1a")}}, {Key: "hc_vault", Value: []any{}}},
				Branch{{Key: "age", Value: []any{}}, {Key: "hc_vault", Value: []any{}}, {Key: "kms", Value: []any{kms}}},
				Branch{{Key: "age", Value: []any{ageEntry("age1c")}}, {Key: "hc_vault", Value: []any{}}},
			}},
			{Key: "lastmodified", Value: "2024-01-01T00:00:00Z"},
			{Key: "mac", Value: "ENC[...]"},
			{Key: "shamir_threshold", Value: 2},
			{Key: "unencrypted_comment_regex", Value: "clear"},
			{Key: "version", Value: "3.13.3"},
		}},
	} {
		m, err := ParseMetadata(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out, err := m.ToBranch()
		if err != nil {
			t.Fatal(err)
		}
		if !treesEqual(out, tc.in) {
			t.Errorf("%s: round trip differs:\n got %#v\nwant %#v", tc.name, out, tc.in)
		}
	}
}

func TestMetadataWeakTypesAndDefaults(t *testing.T) {
	m, err := ParseMetadata(Branch{
		{Key: "age", Value: ageEntry("age1a")}, // a single entry where a list is expected
		{Key: "lastmodified", Value: "2024-01-01T00:00:00Z"},
		{Key: "mac", Value: "x"},
		{Key: "shamir_threshold", Value: "2"},
		{Key: "mac_only_encrypted", Value: "true"},
		{Key: "version", Value: 3.7},
		{Key: "unknown_field", Value: Branch{}},
		{Key: Comment{Value: "c"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ShamirThreshold != 2 || !m.MACOnlyEncrypted || m.Version != "3.7" || len(m.KeyGroups) != 1 || m.KeyGroups[0].Age[0].Recipient != "age1a" {
		t.Errorf("weak parse: %+v", m)
	}
	if m2, err := ParseMetadata(Branch{{Key: "age", Value: ageEntry("age1a")}, {Key: "lastmodified", Value: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil || m2.LastModified != "2024-01-01T00:00:00Z" {
		t.Errorf("unquoted lastmodified: %q %v", m2.LastModified, err)
	}
	if m.UnencryptedSuffix != DefaultUnencryptedSuffix {
		t.Errorf("default suffix not applied: %q", m.UnencryptedSuffix)
	}
}

func TestMetadataErrors(t *testing.T) {
	base := func(extra ...Item) Branch {
		b := Branch{{Key: "age", Value: []any{ageEntry("age1a")}}, {Key: "lastmodified", Value: "2024-01-01T00:00:00Z"}, {Key: "mac", Value: "x"}}
		return append(b, extra...)
	}
	for name, tc := range map[string]struct {
		in   Branch
		want string
	}{
		"two rules":       {base(Item{Key: "encrypted_regex", Value: "a"}, Item{Key: "unencrypted_suffix", Value: "b"}), "more than one"},
		"no keys":         {Branch{{Key: "lastmodified", Value: "2024-01-01T00:00:00Z"}}, "no master keys"},
		"bad lastmod":     {Branch{{Key: "age", Value: []any{ageEntry("age1a")}}, {Key: "lastmodified", Value: "yesterday"}}, "lastmodified"},
		"age not list":    {base(Item{Key: "pgp", Value: "x"}), "pgp"},
		"bad threshold":   {base(Item{Key: "shamir_threshold", Value: "two"}), "shamir_threshold"},
		"bad bool":        {base(Item{Key: "mac_only_encrypted", Value: "maybe"}), "mac_only_encrypted"},
		"entry not a map": {Branch{{Key: "age", Value: []any{"x"}}, {Key: "lastmodified", Value: "2024-01-01T00:00:00Z"}}, "age[0]"},
	} {
		_, err := ParseMetadata(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (want %q)", name, err, tc.want)
		}
	}
}
