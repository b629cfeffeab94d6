//! Sign-in supplied by an embedding host: short-lived JSON Web Tokens from the one issuer this
//! server is told to trust, checked against that issuer's public keys (a JWKS file or URL). The
//! token's email names a Roster user, who then acts with their own organization role. How people
//! authenticate to the host (passwords, second factors) is the issuer's business.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::{Mutex, RwLock};

/// Clock difference tolerated between the issuer and this server.
const LEEWAY_SECONDS: i64 = 30;
/// A host token may not be valid for longer than this: they are meant to be short-lived.
pub const MAX_LIFETIME_SECONDS: i64 = 24 * 60 * 60;
/// An unknown key id reloads the keys at most this often, so forged key ids cannot flood the issuer.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(30);
/// Asymmetric algorithms only: a shared-secret token could be forged with the public key.
const ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// A token's claims, each name once. A name given twice makes the token malformed (RFC 7519
/// lets a parser refuse it): an issuer that checked the first of two emails and Roster, reading
/// the last, would disagree about whom the token names.
struct Claims(serde_json::Map<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for Claims {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EachNameOnce;
        impl<'de> serde::de::Visitor<'de> for EachNameOnce {
            type Value = Claims;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Claims, A::Error> {
                let mut claims = serde_json::Map::new();
                while let Some((name, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if claims.contains_key(&name) {
                        return Err(serde::de::Error::custom("a claim is given twice"));
                    }
                    claims.insert(name, value);
                }
                Ok(Claims(claims))
            }
        }
        deserializer.deserialize_map(EachNameOnce)
    }
}

/// Where the issuer's public keys are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    Url(String),
}

impl KeySource {
    /// An `http(s)://` address is fetched; anything else is a file.
    pub fn parse(value: &str) -> Self {
        if value.starts_with("https://") || value.starts_with("http://") {
            KeySource::Url(value.to_owned())
        } else {
            KeySource::File(PathBuf::from(value))
        }
    }
}

/// The trusted issuer, as configured.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` its tokens must name: this Roster.
    pub audience: String,
    pub keys: KeySource,
    /// The claim that holds the user's email (default `email`).
    pub email_claim: String,
    /// The issuer names people only by addresses it verified (a company directory's own
    /// addresses), so a token that does not say `email_verified` is believed; one that says
    /// anything but `true` is still refused.
    pub verifies_email: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("cannot read the trusted issuer's keys from {0}: {1}")]
    Read(String, String),
    #[error("the trusted issuer's keys at {0} are not a JWKS document: {1}")]
    Parse(String, serde_json::Error),
}

/// Why a host token was refused: said in the 401 and recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JWT, or a header or claims that cannot be read.
    Malformed,
    /// `none`, a shared-secret algorithm, or one the key was not made for.
    Algorithm,
    /// No trusted key has the token's key id.
    UnknownKey,
    Signature,
    WrongIssuer,
    WrongAudience,
    /// A signed token whose `exp`, `nbf` or `iat` is missing where needed or no NumericDate.
    BadTime,
    Expired,
    NotYetValid,
    /// Valid for longer than [`MAX_LIFETIME_SECONDS`].
    TooLong,
    /// No email in the configured claim, or one the issuer does not say it verified.
    NoEmail,
}

impl Refusal {
    /// The reason recorded in the audit log.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Malformed => "host_token_malformed",
            Refusal::Algorithm => "host_token_algorithm",
            Refusal::UnknownKey => "host_token_unknown_key",
            Refusal::Signature => "host_token_signature",
            Refusal::WrongIssuer => "host_token_issuer",
            Refusal::WrongAudience => "host_token_audience",
            Refusal::BadTime => "host_token_time",
            Refusal::Expired => "host_token_expired",
            Refusal::NotYetValid => "host_token_not_yet_valid",
            Refusal::TooLong => "host_token_lifetime",
            Refusal::NoEmail => "host_token_email",
        }
    }

    /// Whether the token's signature was good, so that its claims (the email) can be believed.
    pub fn signed_by_issuer(self) -> bool {
        matches!(
            self,
            Refusal::WrongIssuer
                | Refusal::WrongAudience
                | Refusal::BadTime
                | Refusal::Expired
                | Refusal::NotYetValid
                | Refusal::TooLong
                | Refusal::NoEmail
        )
    }
}

/// A refused token, with the email it names when its signature could be checked.
#[derive(Debug)]
pub struct Refused {
    pub refusal: Refusal,
    pub email: Option<String>,
}

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Self {
        Refused {
            refusal,
            email: None,
        }
    }
}

/// Checks host tokens, keeping the issuer's keys in memory and reloading them when a token names
/// a key id they do not have (the issuer rotated its keys).
pub struct HostSignIn {
    issuer: TrustedIssuer,
    keys: RwLock<JwkSet>,
    last_reload: Mutex<Option<Instant>>,
    http: reqwest::Client,
}

impl HostSignIn {
    /// Loads the issuer's keys: a server that cannot read them does not start.
    pub async fn load(issuer: TrustedIssuer) -> Result<Self, KeysError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| KeysError::Read("the HTTP client".to_owned(), e.to_string()))?;
        let keys = read_keys(&issuer.keys, &http).await?;
        Ok(HostSignIn {
            issuer,
            keys: RwLock::new(keys),
            last_reload: Mutex::new(None),
            http,
        })
    }

    /// The email of the person `token` signs in, if the trusted issuer signed it for this server
    /// and it is valid at `now`.
    pub async fn verify(&self, token: &str, now: i64) -> Result<String, Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Refusal::Algorithm.into());
        }
        let kid = header.kid.as_deref();
        let jwk = match self.key(kid).await {
            Some(jwk) => jwk,
            None => self
                .key_after_reload(kid)
                .await
                .ok_or(Refusal::UnknownKey)?,
        };
        // A key published for one algorithm is used with that one only.
        if jwk
            .common
            .key_algorithm
            .is_some_and(|alg| alg.to_string() != format!("{:?}", header.alg))
        {
            return Err(Refusal::Algorithm.into());
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| Refusal::UnknownKey)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer.issuer]);
        validation.set_audience(&[&self.issuer.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // Times are checked below against the server's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let refusal = match e.kind() {
                    ErrorKind::InvalidSignature => Refusal::Signature,
                    ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidKeyFormat
                    | ErrorKind::InvalidAlgorithmName
                    | ErrorKind::MissingAlgorithm => Refusal::Algorithm,
                    ErrorKind::InvalidIssuer => Refusal::WrongIssuer,
                    ErrorKind::InvalidAudience => Refusal::WrongAudience,
                    _ => Refusal::Malformed,
                };
                // The issuer and audience are checked after the signature, so these claims are
                // the issuer's own words.
                let email = refusal
                    .signed_by_issuer()
                    .then(|| jsonwebtoken::dangerous::insecure_decode::<Claims>(token).ok())
                    .flatten()
                    .and_then(|data| self.email(&data.claims));
                Refused { refusal, email }
            })?
            .claims;
        let email = self.email(&claims);
        let refused = |refusal| Refused {
            refusal,
            email: email.clone(),
        };
        // A NumericDate (RFC 7519) counts seconds and may have a fraction; a claim that is
        // there but not one is malformed, where ignoring it would let a not-yet-valid token in.
        // Far-off times saturate, so that no sum wraps round past a check.
        let time = |name: &str| match claims.0.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .map(|seconds| Some(seconds.floor() as i64))
                .ok_or_else(|| refused(Refusal::BadTime)),
        };
        let exp = time("exp")?.ok_or_else(|| refused(Refusal::BadTime))?;
        if exp.saturating_add(LEEWAY_SECONDS) <= now {
            return Err(refused(Refusal::Expired));
        }
        if time("nbf")?.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS)) {
            return Err(refused(Refusal::NotYetValid));
        }
        let issued = time("iat")?.unwrap_or(now).min(now);
        if exp.saturating_sub(issued) > MAX_LIFETIME_SECONDS {
            return Err(refused(Refusal::TooLong));
        }
        // Only an address the issuer says it verified names a person: one it did not (or does
        // not say it did, unless it verifies every address it names) could be anyone's, and
        // would sign in as whoever holds it here.
        let verified = match claims.0.get("email_verified") {
            Some(said) => *said == serde_json::Value::Bool(true),
            None => self.issuer.verifies_email,
        };
        match email {
            Some(email) if verified => Ok(email),
            _ => Err(refused(Refusal::NoEmail)),
        }
    }

    /// The email the token names, normalised as every address Roster stores is. Only an ASCII
    /// address (an internationalised domain in its xn-- form) names anyone: normalising maps
    /// look-alikes onto ASCII (a full-width "ｎ", a Kelvin sign, a soft hyphen, an ideographic
    /// full stop), so an address the issuer holds apart from another would sign in as that other.
    fn email(&self, claims: &Claims) -> Option<String> {
        claims
            .0
            .get(&self.issuer.email_claim)
            .and_then(serde_json::Value::as_str)
            .filter(|email| email.is_ascii())
            .and_then(|email| roster_model::normalize_email(email).ok())
    }

    /// The key with this id, or the only key when the token names none.
    async fn key(&self, kid: Option<&str>) -> Option<Jwk> {
        let keys = self.keys.read().await;
        match kid {
            Some(kid) => keys.find(kid).cloned(),
            None if keys.keys.len() == 1 => keys.keys.first().cloned(),
            None => None,
        }
    }

    /// The key, after reading the keys again unless that was done a moment ago. Requests that
    /// miss at once wait for one read: whoever comes second finds the key it brought.
    async fn key_after_reload(&self, kid: Option<&str>) -> Option<Jwk> {
        let mut last = self.last_reload.lock().await;
        if let Some(jwk) = self.key(kid).await {
            return Some(jwk);
        }
        if last.is_some_and(|at| at.elapsed() < RELOAD_AT_MOST_EVERY) {
            return None;
        }
        *last = Some(Instant::now());
        match read_keys(&self.issuer.keys, &self.http).await {
            Ok(keys) => *self.keys.write().await = keys,
            Err(error) => tracing::warn!(%error, "keeping the trusted issuer's previous keys"),
        }
        self.key(kid).await
    }
}

async fn read_keys(source: &KeySource, http: &reqwest::Client) -> Result<JwkSet, KeysError> {
    let (name, text) = match source {
        KeySource::File(path) => {
            let name = path.display().to_string();
            let text = tokio::fs::read_to_string(path)
                .await
                .map_err(|e| KeysError::Read(name.clone(), e.to_string()))?;
            (name, text)
        }
        KeySource::Url(url) => {
            let failed = |e: reqwest::Error| KeysError::Read(url.clone(), e.to_string());
            let text = http
                .get(url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(failed)?
                .text()
                .await
                .map_err(failed)?;
            (url.clone(), text)
        }
    };
    let mut keys: JwkSet = serde_json::from_str(&text).map_err(|e| KeysError::Parse(name, e))?;
    // Only public signing keys count: shared secrets and encryption keys are left out, as are keys
    // for algorithms this crate cannot check (not fatal: the issuer may publish others).
    keys.keys.retain(|key| {
        !matches!(key.algorithm, AlgorithmParameters::OctetKey(_))
            && key.common.public_key_use != Some(PublicKeyUse::Encryption)
            && (key.common.key_algorithm.is_none() || key.is_supported())
    });
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::KeySource;

    #[test]
    fn web_addresses_are_fetched_and_anything_else_is_a_file() {
        assert_eq!(
            KeySource::parse("https://id.example/.well-known/jwks.json"),
            KeySource::Url("https://id.example/.well-known/jwks.json".into())
        );
        assert_eq!(
            KeySource::parse("/etc/roster/jwks.json"),
            KeySource::File("/etc/roster/jwks.json".into())
        );
    }
}
