package sopsfile

// The tree model (skeleton contract shared by every store).
//
// A document is a Branch: an ordered list of Items. A YAML file may hold several documents,
// hence []Branch. Values are one of:
//
//	Branch          a mapping (ordered)
//	[]any           a sequence
//	string          (sops type "str")
//	int             (sops type "int")
//	float64         (sops type "float")
//	bool            (sops type "bool")
//	nil             a null: kept as is, never encrypted
//	time.Time       (sops type "time"): a YAML timestamp such as 2001-12-14, which sops decodes
//	                as a time and prints back in RFC 3339
//	Comment         a YAML comment, as an Item key (Value nil) or as a sequence element
//
// Values read from an encrypted file are the ENC[...] strings until decrypted.

// Comment is a YAML comment kept in the tree so that it survives a round trip (sops encrypts
// comments too, as type "comment").
//
// Inline marks a comment that sat on the same line as a value (`a: 1 # why`); the YAML store
// writes it back there. sops keeps the flag when it encrypts a comment but loses it when it
// decrypts one (a decrypted comment always comes back as a line of its own).
type Comment struct {
	Value  string
	Inline bool
}

// Item is one entry of a mapping. Key is a string, or a Comment (and then Value is nil).
type Item struct {
	Key   any
	Value any
}

// Branch is an ordered mapping.
type Branch []Item

// Get returns the value for a string key.
func (b Branch) Get(key string) (any, bool) {
	for _, it := range b {
		if k, ok := it.Key.(string); ok && k == key {
			return it.Value, true
		}
	}
	return nil, false
}
