# fetchurlWithCredentialFile: curl in a fixed-output derivation, authenticated from a file
# outside the store (see private-fixed-output.nix for the nix.conf and permission needs).
#
#   kind = "netrc"   the file is a netrc (machine HOST login USER password PASS)
#   kind = "header"  the file holds header lines, e.g. "Authorization: Bearer TOKEN"
#
# curl: a derivation with bin/curl (e.g. pkgs.curl) or the absolute path of a curl binary.
# For https with a sandboxed nixpkgs curl, pass env.SSL_CERT_FILE (e.g. from pkgs.cacert).
{ url
, credentialFile
, curl
, hash
, kind ? "netrc"
, name ? baseNameOf (toString url)
, executable ? false
, env ? { }
, system ? builtins.currentSystem
}:

let
  check = import ./checks.nix;
  checkedUrl = check.url "fetchurlWithCredentialFile" url;
  curlBin = if builtins.typeOf curl == "string" && !(builtins.hasContext curl) then curl else "${curl}/bin/curl";
  auth = {
    netrc = ''--netrc-file "$credentialFile"'';
    header = ''--header @"$credentialFile"'';
  };
in
if !(builtins.hasAttr kind auth) then
  throw "hush fetchurlWithCredentialFile: kind must be \"netrc\" or \"header\", not \"${kind}\""
else
  builtins.seq checkedUrl (import ./private-fixed-output.nix {
    inherit name credentialFile system;
    env = env // { url = checkedUrl; };
    outputHash = hash;
    outputHashAlgo = if builtins.match "[a-z0-9]+-.*" hash != null then "" else "sha256";
    outputHashMode = if executable then "recursive" else "flat";
    script = ''
      ${curlBin} --fail --silent --show-error --location --proto-redir =https,http ${auth.${kind}} --output "$out" "$url"
    '' + (if executable then ''
      chmod +x "$out"
    '' else "");
  })
