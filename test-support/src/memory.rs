//! Peak resident memory of this process, for the benchmarks' figures (Linux: `/proc/self/status`'s `VmHWM`, the
//! high-water mark of the resident set, which writing `5` to `/proc/self/clear_refs` resets to the current resident
//! set). `None` where the system does not say.

/// The peak resident set since the process started or since the last [`reset_peak`], in bytes.
pub fn peak_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Starts a new peak from the current resident set (so that the next [`peak_bytes`] is one step's peak). Returns
/// whether the system allowed it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_follows_a_large_allocation_and_resets() {
        let Some(before) = peak_bytes() else { return }; // not Linux: nothing to measure
        let big = vec![1u8; 64 << 20];
        let during = peak_bytes().unwrap();
        assert!(during >= before + (60 << 20), "{before} → {during}");
        drop(big);
        if reset_peak() {
            let after = peak_bytes().unwrap();
            assert!(after + (60 << 20) <= during, "reset: {during} → {after}");
        }
    }
}
