# Checks shared by hush's private-derivation helpers: each stops evaluation, with what to do
# instead, when a value would carry a credential into the world-readable store.
let
  storeDir = builtins.storeDir;
  hasPrefix = pre: s: builtins.substring 0 (builtins.stringLength pre) s == pre;
in
{
  # A URL with user:password@ lands in the .drv verbatim.
  url = fn: url:
    let u = toString url; in
    if builtins.match "[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@.*" u != null then
      throw "hush ${fn}: the URL holds user information (user:password@host), which would be stored in the world-readable .drv; remove it and put the credential into the netrc file"
    else u;

  # The credential file must be a plain absolute path outside the store, given as a string:
  # a path literal (./token) is copied into the store, world-readable, at evaluation time.
  credentialFile = fn: f:
    if builtins.typeOf f == "path" then
      throw "hush ${fn}: credentialFile is a path literal, which Nix copies into the world-readable store; pass it as a string, e.g. \"/run/hush/nix/token\""
    else if builtins.typeOf f != "string" then
      throw "hush ${fn}: credentialFile must be a string (an absolute path outside the store), got a ${builtins.typeOf f}"
    else if builtins.hasContext f then
      throw "hush ${fn}: credentialFile refers to a store path; the credential would be world-readable there. Install it outside the store (hush install) and pass that path as a string"
    else if !(hasPrefix "/" f) then
      throw "hush ${fn}: credentialFile '${f}' is not absolute"
    else if hasPrefix (storeDir + "/") f then
      throw "hush ${fn}: credentialFile '${f}' is in the Nix store, which is world-readable"
    else f;
}
