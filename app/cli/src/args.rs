//! The command line: global options, commands and the changes `propose` names.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "vault",
    version,
    about = "Deposit, withdraw, inspect and govern a portfolio vault"
)]
pub struct Cli {
    /// JSON RPC endpoint.
    #[arg(
        long,
        global = true,
        env = "VAULT_RPC_URL",
        default_value = "http://127.0.0.1:8899"
    )]
    pub url: String,
    /// Keypair file of the signer (and fee payer); `~` is the home folder. Default: the solana
    /// CLI's keypair (`~/.config/solana/cli/config.yml`, else `~/.config/solana/id.json`).
    /// Read-only commands (`show`, `position --owner`) need none.
    #[arg(long, global = true, env = "VAULT_KEYPAIR")]
    pub keypair: Option<String>,
    /// The vault's address.
    #[arg(long, global = true, env = "VAULT_ADDRESS")]
    pub vault: Option<String>,
    /// How results print: `key: value` text, or one JSON object (errors too).
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Print the transaction unsigned (base64) for a multisig instead of sending it.
    #[arg(long, global = true)]
    pub sign_only: bool,
    /// The signer of a `--sign-only` transaction when no keypair is at hand (e.g. a multisig vault).
    #[arg(long, global = true)]
    pub signer: Option<String>,
    /// Price account of a pull-oracle feed that is not Pyth's default push feed: FEED_HEX=ADDRESS.
    #[arg(long = "oracle", global = true)]
    pub oracles: Vec<String>,
    /// Address lookup table(s) for the transactions (comma-separated or repeated), e.g. the
    /// one `lookup-table` creates: exits in kind from many assets need one.
    #[arg(
        long = "lookup-table",
        global = true,
        env = "VAULT_LOOKUP_TABLE",
        value_delimiter = ','
    )]
    pub lookup_tables: Vec<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a vault from a TOML file (vault, assets, risk parameters).
    Init {
        /// The TOML file: `initialize_vault`'s arguments with `base_mint` and `creator_base`
        /// at the top, then `[[assets]]` (a `mint` and `add_asset`'s arguments each) and an
        /// optional `[risk]`.
        config: String,
    },
    /// Adds an asset (admin).
    AddAsset {
        /// The asset's mint.
        #[arg(long)]
        mint: String,
        /// pull (PriceUpdateV2 feed id, hex) or legacy (price account address).
        #[arg(long)]
        oracle_kind: String,
        /// The feed id (hex) for `pull`, the price account for `legacy`.
        #[arg(long)]
        oracle_id: String,
        /// Oldest acceptable price, seconds.
        #[arg(long, default_value_t = 60)]
        max_age_s: u32,
        /// Widest acceptable confidence, bps of the price.
        #[arg(long, default_value_t = 100)]
        max_conf_bps: u16,
        /// Largest acceptable distance of the price from its EMA, bps.
        #[arg(long, default_value_t = 500)]
        max_ema_dev_bps: u16,
        /// Smallest target weight, bps of NAV.
        #[arg(long, default_value_t = 0)]
        min_weight_bps: u16,
        /// Largest target weight, bps of NAV.
        #[arg(long, default_value_t = 10_000)]
        max_weight_bps: u16,
    },
    /// Deposits base tokens (AMOUNT in whole tokens, e.g. 100.5) for shares.
    Deposit {
        /// Base tokens, e.g. 100.5.
        amount: String,
        /// Refuse if fewer shares would be minted (default: the preview less 0.5 %).
        #[arg(long)]
        min_shares: Option<u64>,
        /// Base token account paying (default: the signer's associated one).
        #[arg(long)]
        from: Option<String>,
        /// Share account receiving (default: the signer's associated one, created if missing).
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Base tokens from the idle buffer for the shares they are worth now (the levy included).
    Withdraw {
        /// Base tokens to receive (e.g. 250.5), or `all`; with `--shares`, share units.
        amount: String,
        /// AMOUNT is raw share units (base units of the share mint), not base tokens.
        #[arg(long)]
        shares: bool,
        /// Refuse if fewer base units would be paid (default: the preview less 0.5 %).
        #[arg(long)]
        min_out: Option<u64>,
        /// Base token account paid (default: the signer's associated one, created if missing).
        #[arg(long)]
        to: Option<String>,
        /// Share account the shares leave (default: the signer's associated one).
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Queues shares for base tokens when the idle buffer cannot pay them now: they go into
    /// escrow and are paid first in, first out, at the lower of their value now and their
    /// value when paid (prints the request id).
    RequestWithdraw {
        /// Base tokens to receive (e.g. 250.5), or `all`; with `--shares`, share units.
        amount: String,
        /// AMOUNT is raw share units (base units of the share mint), not base tokens.
        #[arg(long)]
        shares: bool,
        /// Refuse if the request would be owed fewer base units (default: the preview less
        /// 0.5 %).
        #[arg(long)]
        min_owed: Option<u64>,
        /// Base token account every payment goes to (default: the signer's associated one,
        /// created if missing).
        #[arg(long)]
        to: Option<String>,
        /// Share account the shares leave (default: the signer's associated one).
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Sends what request ID has been paid to its receiver (anyone may; closes it when done).
    Claim {
        /// The request id (`request-withdraw` prints it; `position` lists them).
        id: u64,
    },
    /// Takes back the unfilled shares of request ID (its owner only). Before the vault's
    /// longest wait the flow levy stays with the vault; after it, nothing does.
    CancelWithdraw {
        /// The request id.
        id: u64,
        /// Share account they return to (default: the signer's associated one).
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// Shares held, their value, and queued withdrawal requests of the signer or `--owner`.
    Position {
        /// Whose position (default: the signer's; with it, no keypair is needed).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Burns shares for a pro-rata slice of every holding (needs no oracle; works while paused).
    RedeemInKind {
        /// Shares (base units of the share mint) or `all`.
        shares: String,
        /// Share account the shares leave (default: the signer's associated one).
        #[arg(long)]
        shares_account: Option<String>,
    },
    /// NAV, share price, per-asset price, weight, target and delta; risk; hedge; governance.
    Show,
    /// Creates an address lookup table of the vault's accounts (anyone; prints its address,
    /// for `--lookup-table`). Usable from the next slot.
    LookupTable,
    /// Proposes a timelocked change (admin): the program's `ParamChange` by its kebab-case
    /// name and its fields as `key=value` (a lone value for `guardian`, `fee-recipient`,
    /// `timelock`; a TOML file for the rest of a patch), e.g. `propose fees
    /// management_fee_bps=100 performance_fee_bps=1000`, `propose rebalance band_bps=300`,
    /// `propose hedge-venue program_id=<ID> exchange=<EXCHANGE>` (the margin account is the
    /// vault authority's there unless given).
    Propose {
        /// The change, by its kebab-case name (`fees`, `rebalance`, `hedge-venue`, ...).
        change: String,
        /// Its fields as `key=value`, a lone value, or a TOML file.
        fields: Vec<String>,
    },
    /// Applies a de-risking action at once (admin or guardian), in the same form as `propose`:
    /// `lower-deposit-cap 5000000`, `tighten-rebalance bounty_cap_per_call=0`, `remove-venue 0`.
    Derisk {
        /// The action, by its kebab-case name (`lower-deposit-cap`, `remove-venue`, ...).
        action: String,
        /// Its fields, as for `propose`.
        fields: Vec<String>,
    },
    /// Applies a matured proposal (anyone).
    Apply {
        /// The proposal id.
        id: u64,
    },
    /// Cancels a pending proposal (admin or guardian).
    Cancel {
        /// The proposal id.
        id: u64,
    },
    /// Closes instruction gates at once (admin or guardian): deposits, update-risk,
    /// compute-targets, rebalance, hedge, all.
    Pause {
        /// Gates to close: deposits, update-risk, compute-targets, rebalance, hedge, all.
        #[arg(required = true)]
        gates: Vec<String>,
    },
    /// Sets the gates exactly, reopening the ones not named (admin only); `none` reopens all.
    SetPause {
        /// The gates closed from now on (every other reopens), or `none`.
        #[arg(required = true)]
        gates: Vec<String>,
    },
    /// Proposes a new admin (timelocked); the nominee then runs `accept-admin`.
    NominateAdmin {
        /// The nominee's address.
        new_admin: String,
    },
    /// Accepts the admin role (the nominee signs).
    AcceptAdmin,
}

impl Cmd {
    /// Whether the command sends a transaction (and so needs a signer).
    pub fn sends(&self) -> bool {
        !matches!(self, Cmd::Show | Cmd::Position { owner: Some(_) })
    }
}
