//! Password hashing with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes), in PHC
//! string format so parameters can be raised later without breaking stored hashes.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches the stored hash; a malformed hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends the same time as a real check, so an unknown username cannot be told from a wrong
/// password by timing.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    // (Hashing a constant does not fail; were it to, a check against no hash costs the time
    // of parsing one, which is still not a sign-in.)
    let h = DUMMY.get_or_init(|| hash("dummy password for timing").ok());
    let _ = verify(h.as_deref().unwrap_or_default(), password);
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let a = super::hash("correct horse battery").unwrap();
        let b = super::hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify(&a, "correct horse battery"));
        assert!(!super::verify(&a, "correct horse batterx"));
        assert!(!super::verify("not a hash", "x"));
    }
}
