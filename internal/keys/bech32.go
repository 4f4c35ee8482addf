package keys

import (
	"errors"
	"strings"
)

// bech32 encoding (BIP 173) of age keys. age keeps its codec internal, and the ssh-to-age
// conversion must write identities from raw scalars, so hush carries this small encoder.
// Decoding is left to filippo.io/age, which is the authority on what it accepts.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Gen = [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}

func bech32Polymod(values []byte) uint32 {
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>uint(i))&1 == 1 {
				chk ^= bech32Gen[i]
			}
		}
	}
	return chk
}

// bech32Encode encodes data under hrp in lower case; callers upper-case identities.
// Unlike BIP 173 it has no 90-character limit, as age's keys (plugins, post-quantum) exceed it.
func bech32Encode(hrp string, data []byte) (string, error) {
	if hrp == "" {
		return "", errors.New("bech32: empty human-readable part")
	}
	for i := 0; i < len(hrp); i++ {
		if hrp[i] < 33 || hrp[i] > 126 {
			return "", errors.New("bech32: invalid character in human-readable part")
		}
	}
	hrp = strings.ToLower(hrp)
	values := make([]byte, 0, len(data)*8/5+1+6)
	var acc uint32
	var bits uint
	for _, b := range data {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			values = append(values, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		values = append(values, byte(acc<<(5-bits))&31)
	}
	expanded := make([]byte, 0, 2*len(hrp)+1+len(values)+6)
	for i := 0; i < len(hrp); i++ {
		expanded = append(expanded, hrp[i]>>5)
	}
	expanded = append(expanded, 0)
	for i := 0; i < len(hrp); i++ {
		expanded = append(expanded, hrp[i]&31)
	}
	expanded = append(expanded, values...)
	expanded = append(expanded, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(expanded) ^ 1

	var sb strings.Builder
	sb.Grow(len(hrp) + 1 + len(values) + 6)
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, v := range values {
		sb.WriteByte(bech32Charset[v])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(bech32Charset[(pm>>(5*(5-uint(i))))&31])
	}
	return sb.String(), nil
}
