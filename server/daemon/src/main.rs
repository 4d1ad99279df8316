use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tessera_daemon::cli::Cli::parse();
    match tessera_daemon::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
