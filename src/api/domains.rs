//! The organization's domains.

use super::{ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{Domain, NewDomain};

impl ApiClient {
    pub async fn domains(&self) -> Result<Vec<Domain>, ApiFailure> {
        self.get("/domains", &[]).await
    }

    pub async fn add_domain(&self, name: &str) -> Result<Domain, ApiFailure> {
        let body = NewDomain {
            name: name.to_owned(),
        };
        let request = Self::changing(Request::post(&self.url("/domains")?)).json(&body);
        self.change(request).await
    }

    /// Looks the domain's TXT record up now; answers the domain as it is after the check.
    pub async fn verify_domain(&self, id: i64) -> Result<Domain, ApiFailure> {
        let request =
            Self::changing(Request::post(&self.url(&format!("/domains/{id}/verify"))?)).build();
        self.change(request).await
    }

    pub async fn remove_domain(&self, id: i64) -> Result<(), ApiFailure> {
        let request =
            Self::changing(Request::delete(&self.url(&format!("/domains/{id}"))?)).build();
        self.change_empty(request).await
    }
}
