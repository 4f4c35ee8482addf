#!/usr/bin/env python3
"""Independent computation of the ssh-to-age test vector in sshtoage_vector.txt.

Standard library only, written from the specifications, sharing no code with the Go
implementation:
  - OpenSSH private key container (PROTOCOL.key): unencrypted "openssh-key-v1".
  - ed25519 public key -> X25519: the birational map u = (1 + y) / (1 - y) mod p (RFC 7748 4.1),
    y being the little-endian encoded Edwards y coordinate with the sign bit cleared.
  - ed25519 private key -> X25519 scalar: the first 32 bytes of SHA-512(seed) (RFC 8032 5.1.5),
    written out unclamped, as ssh-to-age does (X25519 clamps when it uses the scalar).
  - Bech32 (BIP 173), HRP "age" for the recipient, "AGE-SECRET-KEY-" and upper case for the
    identity.

Run: python3 sshtoage_vector.py ssh_ed25519 > sshtoage_vector.txt
"""
import base64
import hashlib
import struct
import sys

P = 2**255 - 19
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def bech32_encode(hrp, data):
    hrp = hrp.lower()
    acc, bits, five = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = bech32_polymod(expanded + five + [0] * 6) ^ 1
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in five + checksum)


def read_string(buf, off):
    (n,) = struct.unpack(">I", buf[off : off + 4])
    return buf[off + 4 : off + 4 + n], off + 4 + n


def parse_openssh_ed25519(text):
    body = "".join(l for l in text.splitlines() if not l.startswith("-----"))
    raw = base64.b64decode(body)
    magic = b"openssh-key-v1\0"
    assert raw.startswith(magic)
    off = len(magic)
    cipher, off = read_string(raw, off)
    assert cipher == b"none", "encrypted keys are not supported here"
    _kdf, off = read_string(raw, off)
    _kdfopts, off = read_string(raw, off)
    off += 4  # number of keys (1)
    _pub, off = read_string(raw, off)
    priv, off = read_string(raw, off)
    p = 8  # two check integers
    keytype, p = read_string(priv, p)
    assert keytype == b"ssh-ed25519"
    pub, p = read_string(priv, p)
    sk, p = read_string(priv, p)
    assert len(pub) == 32 and len(sk) == 64 and sk[32:] == pub
    return sk[:32], pub


def edwards_to_montgomery(pub):
    y = int.from_bytes(pub, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, P - 2, P) % P
    return u.to_bytes(32, "little")


def main():
    seed, pub = parse_openssh_ed25519(open(sys.argv[1]).read())
    scalar = hashlib.sha512(seed).digest()[:32]
    print("recipient " + bech32_encode("age", edwards_to_montgomery(pub)))
    print("identity " + bech32_encode("AGE-SECRET-KEY-", scalar).upper())


if __name__ == "__main__":
    main()
