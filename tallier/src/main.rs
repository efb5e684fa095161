//! `tallier`: see the README. This binary is a placeholder until its issue lands; it only reports what it is.

fn main() {
    println!(
        "{} {}: not implemented yet (see the README's roadmap)",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
