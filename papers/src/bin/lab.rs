//! `lab`: the policy lab (see `papers::lab` and `lab --help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = papers::lab::cli::parse();
    match papers::lab::run(args, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lab: {e}");
            ExitCode::from(2)
        }
    }
}
