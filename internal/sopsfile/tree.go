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
//	Comment         a YAML comment, as an Item key (Value nil) or as a sequence element
//
// Values read from an encrypted file are the ENC[...] strings until decrypted.

// Comment is a YAML comment kept in the tree so that it survives a round trip (sops encrypts
// comments too, as type "comment").
type Comment struct{ Value string }

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
