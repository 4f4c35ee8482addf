package sopsfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The tree walk decides, value by value, whether sops encrypts it, and hands each leaf to a
// callback with its additional data (the key path joined by ":" plus a trailing ":").
//
// The rules are sops v3.13.3's (sops.go: walkBranch, walkSlice, shouldBeEncrypted), which we
// reproduce exactly because a single difference makes files unreadable by the other tool:
//
//   - The path holds mapping keys only: list elements share the path of their list, and a
//     comment has the path of the mapping or list it sits in.
//   - The suffix and key-regex rules match any component of the path, so a match on a key
//     covers everything below it. They are applied in this order, each overriding the last:
//     unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex,
//     unencrypted_comment_regex, encrypted_comment_regex (a file may set only one).
//   - Comments gather on a stack with one level per mapping/list being walked. A level
//     collects the comments met since the last non-comment value at that level; levels above
//     keep theirs while a nested value is walked. unencrypted_comment_regex leaves a value in
//     clear when any comment on the stack matches; encrypted_comment_regex encrypts a value
//     when any comment on the stack matches, except that a comment does not count for itself.
//   - The comment text on the stack is the one in the tree being walked: the plaintext when
//     encrypting, the ENC[...] string when decrypting (so an encrypted comment never matches).
//   - Nulls are not visited at all; empty strings are visited but never encrypted.
//
// Instead of re-running the rules over the whole path for every leaf (as sops does), the
// walker carries "some component above matched" flags down the tree, and per stack level the
// number of matching comments, so a leaf costs O(1) rule work and no regexp runs per value.

// cryptRules are the compiled encryption rules of one file.
type cryptRules struct {
	unencSuffix, encSuffix   string
	hasUnencRe, hasEncRe     bool
	unencRe, encRe           *regexp.Regexp // nil when the pattern does not compile: never matches, as in sops
	hasUnencCRe, hasEncCRe   bool
	unencCommentRe, encCRe   *regexp.Regexp
	macOnlyEncrypted         bool
	needComments, needKeyRes bool
}

func compileRules(m *Metadata) *cryptRules {
	r := &cryptRules{
		unencSuffix:      m.UnencryptedSuffix,
		encSuffix:        m.EncryptedSuffix,
		macOnlyEncrypted: m.MACOnlyEncrypted,
	}
	compile := func(p string) *regexp.Regexp {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil
		}
		return re
	}
	if m.UnencryptedRegex != "" {
		r.hasUnencRe, r.unencRe = true, compile(m.UnencryptedRegex)
	}
	if m.EncryptedRegex != "" {
		r.hasEncRe, r.encRe = true, compile(m.EncryptedRegex)
	}
	if m.UnencryptedCommentRegex != "" {
		r.hasUnencCRe, r.unencCommentRe = true, compile(m.UnencryptedCommentRegex)
	}
	if m.EncryptedCommentRegex != "" {
		r.hasEncCRe, r.encCRe = true, compile(m.EncryptedCommentRegex)
	}
	r.needComments = r.hasUnencCRe || r.hasEncCRe
	return r
}

// pathFlags says which path rules some component of the current path matched.
type pathFlags struct {
	unencSuffix, encSuffix, unencRe, encRe bool
}

func (r *cryptRules) extend(f pathFlags, key string) pathFlags {
	if r.unencSuffix != "" && !f.unencSuffix && strings.HasSuffix(key, r.unencSuffix) {
		f.unencSuffix = true
	}
	if r.encSuffix != "" && !f.encSuffix && strings.HasSuffix(key, r.encSuffix) {
		f.encSuffix = true
	}
	if r.unencRe != nil && !f.unencRe && r.unencRe.MatchString(key) {
		f.unencRe = true
	}
	if r.encRe != nil && !f.encRe && r.encRe.MatchString(key) {
		f.encRe = true
	}
	return f
}

// commentLevel is one level of sops' comments stack, reduced to what the rules need.
type commentLevel struct {
	unencMatches int  // comments at this level matching unencrypted_comment_regex
	encMatches   int  // ... matching encrypted_comment_regex
	lastEnc      bool // the most recent comment at this level matched encrypted_comment_regex
	lastUnenc    bool // ... matched unencrypted_comment_regex
	n            int  // comments at this level
}

// commentCtx is the state of the comments stack seen from a leaf: whether levels above the
// current one hold a match, and the current level.
type commentCtx struct {
	unencAbove, encAbove bool
}

func (r *cryptRules) push(l *commentLevel, c string) {
	if !r.needComments {
		return
	}
	l.n++
	l.lastUnenc = r.unencCommentRe != nil && r.unencCommentRe.MatchString(c)
	if l.lastUnenc {
		l.unencMatches++
	}
	l.lastEnc = r.encCRe != nil && r.encCRe.MatchString(c)
	if l.lastEnc {
		l.encMatches++
	}
}

// replaceLast swaps the most recent comment of l for c (the plaintext of the encrypted
// comment that was pushed).
func (r *cryptRules) replaceLast(l *commentLevel, c string) {
	if !r.needComments || l.n == 0 {
		return
	}
	l.n--
	if l.lastUnenc {
		l.unencMatches--
	}
	if l.lastEnc {
		l.encMatches--
	}
	r.push(l, c)
}

func (r *cryptRules) shouldEncrypt(p pathFlags, cc commentCtx, l *commentLevel, isComment bool) bool {
	encrypted := true
	if r.unencSuffix != "" && p.unencSuffix {
		encrypted = false
	}
	if r.encSuffix != "" {
		encrypted = p.encSuffix
	}
	if r.hasUnencRe && p.unencRe {
		encrypted = false
	}
	if r.hasEncRe {
		encrypted = p.encRe
	}
	if r.hasUnencCRe && (cc.unencAbove || l.unencMatches > 0) {
		encrypted = false
	}
	if r.hasEncCRe {
		m := l.encMatches
		if isComment && l.n > 0 && l.lastEnc {
			m-- // a comment does not count for itself
		}
		encrypted = cc.encAbove || m > 0
	}
	return encrypted
}

var rootAD = []byte(":")

// leafFunc handles one leaf: v is the value as found, ad the additional data (valid during the
// call only), encrypt the rules' verdict. It returns the replacement value.
type leafFunc func(v any, ad []byte, encrypt bool) (any, error)

// walker walks one tree. copyTree makes it build new branches and lists instead of writing
// into the ones it walks (Encrypt must not disturb the File's plaintext documents).
type walker struct {
	rules    *cryptRules
	leaf     leafFunc
	copyTree bool
	// plainComments: when decrypting, put the decrypted text of comments on the stack, and
	// count comments sops kept as ENC strings in lists as comments — what the stack held when
	// the file was encrypted. sops' own decryption does neither, and so cannot read some files
	// it writes with a comment regex; Decrypt falls back to this mode only when the exact
	// sops walk fails.
	plainComments bool
	ad            []byte
	path          []pathElem // for error messages only
}

// pathElem is one step of the path to the current value, for error messages: a key, or a list
// index (idx >= 0).
type pathElem struct {
	key string
	idx int
}

// where formats the current path in the --extract syntax: ["a"]["b"][0].
func (w *walker) where() string {
	var b strings.Builder
	for _, e := range w.path {
		if e.idx >= 0 {
			b.WriteString("[" + strconv.Itoa(e.idx) + "]")
		} else {
			b.WriteString("[" + strconv.Quote(e.key) + "]")
		}
	}
	if b.Len() == 0 {
		return "top level"
	}
	return b.String()
}

type walkError struct {
	where string
	err   error
}

func (e *walkError) Error() string { return "key " + e.where + ": " + e.err.Error() }
func (e *walkError) Unwrap() error { return e.err }

func (w *walker) fail(err error) error {
	if _, ok := err.(*walkError); ok {
		return err
	}
	return &walkError{where: w.where(), err: err}
}

func (w *walker) walkDoc(doc Branch) (Branch, error) {
	w.ad, w.path = w.ad[:0], w.path[:0]
	return w.walkBranch(doc, pathFlags{}, commentCtx{})
}

// value walks v, found at comment level l; cc describes the levels above l.
func (w *walker) value(v any, pf pathFlags, cc commentCtx, l *commentLevel) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case Branch:
		return w.walkBranch(v, pf, w.below(cc, l))
	case []any:
		return w.walkSlice(v, pf, w.below(cc, l))
	// []byte (type "bytes", from old files) goes to the leaf as is: sops visits it as a
	// string, which gives the same MAC bytes, and Encrypt re-encrypts it as type str unless
	// it is unchanged (then it keeps its old ciphertext).
	case Comment:
		return w.callLeaf(v, pf, cc, l, true)
	default:
		return w.callLeaf(v, pf, cc, l, false)
	}
}

func (w *walker) callLeaf(v any, pf pathFlags, cc commentCtx, l *commentLevel, isComment bool) (any, error) {
	enc := w.rules.shouldEncrypt(pf, cc, l, isComment)
	ad := w.ad
	if len(ad) == 0 {
		ad = rootAD // strings.Join of no components, plus ":"
	}
	out, err := w.leaf(v, ad, enc)
	if err != nil {
		return nil, w.fail(err)
	}
	return out, nil
}

// below is the comment context children of the current level see.
func (w *walker) below(cc commentCtx, l *commentLevel) commentCtx {
	return commentCtx{
		unencAbove: cc.unencAbove || l.unencMatches > 0,
		encAbove:   cc.encAbove || l.encMatches > 0,
	}
}

func (w *walker) walkBranch(in Branch, pf pathFlags, cc commentCtx) (Branch, error) {
	out := in
	if w.copyTree {
		out = make(Branch, len(in))
		copy(out, in)
	}
	var lvl commentLevel
	for i := range in {
		item := in[i]
		if c, ok := item.Key.(Comment); ok {
			w.rules.push(&lvl, c.Value)
			res, err := w.callLeaf(c, pf, cc, &lvl, true)
			if err != nil {
				return nil, err
			}
			switch r := res.(type) {
			case Comment:
				out[i].Key = r
				if w.plainComments {
					w.rules.replaceLast(&lvl, r.Value)
				}
			case string:
				nc := c
				nc.Value = r
				out[i].Key = nc
			default:
				return nil, w.fail(fmt.Errorf("comment became %T", res))
			}
			continue
		}
		vc, valueIsComment := item.Value.(Comment)
		if valueIsComment {
			w.rules.push(&lvl, vc.Value)
		}
		key, ok := item.Key.(string)
		if !ok {
			return nil, w.fail(fmt.Errorf("non-string key of type %T (only string keys are supported)", item.Key))
		}
		n := len(w.ad)
		w.ad = append(append(w.ad, key...), ':')
		w.path = append(w.path, pathElem{key: key, idx: -1})
		nv, err := w.value(item.Value, w.rules.extend(pf, key), cc, &lvl)
		w.ad = w.ad[:n]
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return nil, err
		}
		out[i].Value = nv
		if !valueIsComment {
			lvl = commentLevel{}
		}
	}
	return out, nil
}

func (w *walker) walkSlice(in []any, pf pathFlags, cc commentCtx) ([]any, error) {
	out := in
	if w.copyTree {
		out = make([]any, len(in))
	}
	var lvl commentLevel
	for i, v := range in {
		c, isComment := v.(Comment)
		if isComment {
			w.rules.push(&lvl, c.Value)
		}
		w.path = append(w.path, pathElem{idx: i})
		var nv any
		var err error
		if isComment {
			nv, err = w.callLeaf(c, pf, cc, &lvl, true)
		} else {
			nv, err = w.value(v, pf, cc, &lvl)
		}
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return nil, err
		}
		out[i] = nv
		if w.plainComments {
			if rc, ok := nv.(Comment); ok {
				if isComment {
					w.rules.replaceLast(&lvl, rc.Value)
				} else {
					w.rules.push(&lvl, rc.Value) // an encrypted comment in a list
				}
				continue
			}
		}
		if !isComment {
			lvl = commentLevel{}
		}
	}
	return out, nil
}
