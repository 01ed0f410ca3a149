//! The cluster clock, moved by the tests.

use crate::Harness;

impl Harness {
    pub async fn clock(&mut self) -> anchor_lang::prelude::Clock {
        self.ctx
            .banks_client
            .get_sysvar::<anchor_lang::prelude::Clock>()
            .await
            .unwrap()
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    pub async fn set_time(&mut self, ts: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = ts;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn warp_seconds(&mut self, secs: i64) {
        let now = self.now().await;
        self.set_time(now + secs).await;
    }
}
