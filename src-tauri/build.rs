fn main() {
    // The Tauri config lives at the workspace root, beside README.md.
    let attrs = tauri_build::Attributes::new().config_path("../tauri.conf.json");
    if let Err(e) = tauri_build::try_build(attrs) {
        println!("cargo::error=tauri build step failed: {e:#}");
    }
}
