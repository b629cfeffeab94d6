//! The database's side of secrets at rest: proving the key is the right one, and protecting
//! secrets written before encryption existed.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::secrets::{SecretKeyError, ENCRYPTED_PREFIX, KEYED_PREFIX};

/// What the key check decrypts; any value would do, this one says what it is for.
const KEY_CHECK: &str = "roster secret key check";

impl Store {
    /// Refuses a key other than the one this database's secrets were written with (the first key
    /// a database meets becomes its key): a wrong key would otherwise surface only when a user with
    /// two-factor signs in.
    pub(super) async fn check_secret_key(&self) -> StoreResult<()> {
        // Written when missing, then read back: of replicas starting at once on a new database,
        // one key is written and every other is checked against it.
        sqlx::query(
            "INSERT INTO secret_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(self.key.encrypt(KEY_CHECK))
        .execute(&self.pool)
        .await?;
        let sealed: String = sqlx::query_scalar("SELECT sealed FROM secret_key_check WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        if self.key.decrypt(&sealed)? == KEY_CHECK {
            Ok(())
        } else {
            Err(SecretKeyError::WrongKey.into())
        }
    }

    /// Encrypts TOTP secrets and keys recovery-code digests still stored as they were before
    /// secrets at rest were protected. Runs at every start; after the first it finds nothing.
    pub(super) async fn protect_plain_secrets(&self) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let encrypted = format!("{ENCRYPTED_PREFIX}%");
        let users = sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret NOT LIKE $1")
            .bind(&encrypted)
            .fetch_all(&mut *tx)
            .await?;
        for row in users {
            let secret: String = row.try_get("totp_secret")?;
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                .bind(self.key.encrypt(&secret))
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        // A set-up in progress is cheap to start again: drop the plain ones rather than keep them.
        sqlx::query(
            "UPDATE sessions SET totp_setup_secret = NULL WHERE totp_setup_secret NOT LIKE $1",
        )
        .bind(&encrypted)
        .execute(&mut *tx)
        .await?;
        let codes =
            sqlx::query("SELECT id, code_hash FROM recovery_codes WHERE code_hash NOT LIKE $1")
                .bind(format!("{KEYED_PREFIX}%"))
                .fetch_all(&mut *tx)
                .await?;
        for row in codes {
            let digest: String = row.try_get("code_hash")?;
            sqlx::query("UPDATE recovery_codes SET code_hash = $1 WHERE id = $2")
                .bind(self.key.recovery_code_digest(&digest))
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
