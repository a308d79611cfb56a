//! `atlas-restore sim`'s arguments: where to listen, the keys, the speed, the flavour, a
//! fault to start with, the archives' size. A binary built without the `sim` feature takes
//! any arguments and says what to do instead (`commands::sim::not_built_in`).

#[cfg(feature = "sim")]
pub use built_in::SimArgs;

#[cfg(not(feature = "sim"))]
#[derive(Debug, clap::Args)]
#[command(after_help = crate::commands::sim::NOT_BUILT_IN)]
pub struct SimArgs {
    /// Whatever was given: this binary has no simulator to give it to.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub ignored: Vec<String>,
}

#[cfg(feature = "sim")]
mod built_in {
    use super::super::FlavorArg;
    use crate::sim::{FAULT_NAMES, Fault, SimConfig};
    use clap::Args;
    use std::net::SocketAddr;

    #[derive(Debug, Args)]
    pub struct SimArgs {
        /// Address to listen on: loopback only; port 0 picks a free port (the first line tells it).
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:0")]
        pub listen: SocketAddr,
        /// The API key's public part (default: 8 random lower-case letters).
        #[arg(long, env = "ATLAS_RESTORE_SIM_PUBLIC_KEY", value_name = "KEY")]
        pub public_key: Option<String>,
        /// The API key's private part (default: a random UUID). This is the simulator's own
        /// throwaway key; prefer the environment variable, which stays out of `ps`.
        #[arg(
            long,
            env = "ATLAS_RESTORE_SIM_PRIVATE_KEY",
            hide_env_values = true,
            value_name = "KEY"
        )]
        pub private_key: Option<String>,
        /// Simulated seconds per real second: 60 makes a restore job finish in about a second.
        #[arg(long, default_value_t = 1.0, value_name = "N")]
        pub speed: f64,
        /// Which product to play: atlas (/api/atlas/...), cloud-manager or ops-manager
        /// (/api/public/v1.0, clusters by id, their rules).
        #[arg(long, value_enum, value_name = "FLAVOR", default_value = "atlas")]
        pub flavor: FlavorArg,
        /// Start with a fault mode on (see `--help` for the names).
        #[arg(long, value_name = "NAME", value_parser = parse_fault, long_help = fault_help())]
        pub fault: Option<Fault>,
        /// The size of the data file in each new restore job's archive, like 2GiB or 500MB
        /// (default: a few hundred KB). The archive is made as it is sent: no memory or disk.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        pub archive_size: Option<u64>,
    }

    /// `2GiB`, `500MB`, `64k`, `1000`: bytes (K, M, G are powers of 1024 with or without
    /// `i`; KB, MB, GB powers of 1000).
    pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("{s:?} is not a size: write it like 2GiB, 500MB or 1000"))?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kib" => 1 << 10,
            "m" | "mib" => 1 << 20,
            "g" | "gib" => 1 << 30,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            other => {
                return Err(format!(
                    "{s:?}: unknown unit {other:?}; use B, KiB, MiB, GiB, KB, MB or GB"
                ));
            }
        };
        n.checked_mul(factor).ok_or_else(|| format!("{s:?} is too large"))
    }

    fn parse_fault(s: &str) -> Result<Fault, String> {
        s.parse()
    }

    fn fault_help() -> String {
        format!(
            "Start with a fault mode on, for every request: {}",
            FAULT_NAMES.join(", ")
        )
    }

    impl SimArgs {
        /// The simulator's configuration: given keys, or fresh ones.
        pub fn config(&self) -> SimConfig {
            let mut cfg = SimConfig {
                speed: self.speed,
                archive_bytes: self.archive_size,
                flavor: self.flavor.into(),
                ..SimConfig::default()
            };
            if let Some(k) = &self.public_key {
                cfg.public_key = k.clone();
            }
            if let Some(k) = &self.private_key {
                cfg.private_key = k.clone();
            }
            cfg
        }
    }
}

#[cfg(all(test, feature = "sim"))]
mod tests {
    use super::built_in::parse_size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
