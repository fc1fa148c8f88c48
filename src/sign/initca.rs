//! The policy of `gencert -initca` (cfssl initca.go `CAPolicy`): cert sign + crl sign, no
//! ExtKeyUsage, CA:TRUE with the request's pathlen, 43800h unless `ca.expiry` says otherwise.

use crate::config::{CaConstraint, KeyUsage, KeyUsageBit, Profile};
use crate::request::CaRequest;

/// The profile a self-signed CA is issued under.
pub fn initca_profile(ca: Option<&CaRequest>, crl_url: Option<&str>) -> Profile {
    let mut p = Profile::cfssl_default();
    p.name = "initca".into();
    p.key_usage = KeyUsage::NONE
        .with(KeyUsageBit::KeyCertSign)
        .with(KeyUsageBit::CrlSign);
    p.ext_key_usage.clear();
    p.expiry = ca
        .and_then(|c| c.expiry)
        .unwrap_or(CaRequest::DEFAULT_EXPIRY);
    // cfssl treats a zero backdate as unset (signer.go), i.e. the default 5m.
    if let Some(b) = ca
        .and_then(|c| c.backdate)
        .filter(|b| *b != crate::config::GoDuration::ZERO)
    {
        p.backdate = b;
    }
    p.ca = Some(CaConstraint {
        max_path_len: ca.and_then(|c| c.path_len),
    });
    p.crl_url = crl_url.map(str::to_owned);
    p
}

/// The policy of `selfsign` (cfssl selfsign.Sign): the profile's usages, caIssuers and
/// `is_ca` (without a path length), and nothing else of it; notBefore = now − 5 min (not
/// rounded), notAfter = now + expiry.
pub fn selfsign_profile(profile: &Profile, now: time::OffsetDateTime) -> Profile {
    let expiry = profile.expiry;
    Profile {
        name: profile.name.clone(),
        key_usage: profile.key_usage,
        ext_key_usage: profile.ext_key_usage.clone(),
        expiry,
        ca: profile.ca.map(|_| CaConstraint { max_path_len: None }),
        not_before: Some(now - time::Duration::minutes(5)),
        not_after: Some(now + expiry.to_time()),
        issuer_urls: profile.issuer_urls.clone(),
        ..Profile::cfssl_default()
    }
}
