//! The `weir` binary: parses arguments and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = weir::cli::Cli::parse();
    match weir::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("weir: {e:#}");
            // Client commands end with the exit code their failure calls for.
            std::process::ExitCode::from(weir::client::exit_code(&e))
        }
    }
}
