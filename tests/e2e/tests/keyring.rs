//! The `satchel` CLI against the real OS keyring (gnome-keyring over a private D-Bus
//! session, as `cargo xtask test` provides), and with no keyring service at all.

#![allow(clippy::unwrap_used)] // a test that cannot run its setup should panic

use satchel_e2e::{Home, bin};
use std::process::{Command, Output, Stdio};

const PASS: &str = "a long and memorable passphrase";

fn satchel(home: &Home, args: &[&str], pass: Option<&str>, no_bus: bool) -> Output {
    let mut c = Command::new(bin("satchel").unwrap());
    home.apply(&mut c);
    c.args(args).stdin(Stdio::null());
    if let Some(p) = pass {
        c.env("SATCHEL_PASSPHRASE", p);
    }
    if no_bus {
        c.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/satchel-test-bus",
        );
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn init(home: &Home, no_bus: bool) -> Output {
    satchel(
        home,
        &[
            "init",
            "--firm",
            "Reed LLP",
            "--user",
            "Sam Reed",
            "--initials",
            "SR",
        ],
        Some(PASS),
        no_bus,
    )
}

#[test]
fn key_lives_in_the_os_keyring_and_the_passphrase_recovers_it() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the tests with `cargo xtask test`"
    );
    let home = Home::new().unwrap();
    let o = init(&home, false);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("warning"), "{}", text(&o));
    // No passphrase given: the key comes from the keyring.
    let o = satchel(&home, &["status"], None, false);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("system keyring: holds this store's key"),
        "{}",
        text(&o)
    );

    let o = satchel(&home, &["keyring", "forget"], None, false);
    assert!(
        text(&o).contains("removed from the keyring"),
        "{}",
        text(&o)
    );
    let o = satchel(&home, &["matter", "list"], None, false);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("not in the system keyring"),
        "{}",
        text(&o)
    );
    // The passphrase opens it, and puts the key back.
    let o = satchel(&home, &["matter", "list"], Some(PASS), false);
    assert!(o.status.success(), "{}", text(&o));
    let o = satchel(&home, &["matter", "list"], None, false);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn without_a_keyring_service_it_says_so_and_offers_the_passphrase() {
    let home = Home::new().unwrap();
    let o = init(&home, true);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("could not be stored in the system keyring"),
        "{}",
        text(&o)
    );
    let o = satchel(&home, &["matter", "list"], None, true);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("system keyring is not available"), "{t}");
    assert!(t.contains("recovery passphrase"), "{t}");
    let o = satchel(&home, &["matter", "list"], Some(PASS), true);
    assert!(o.status.success(), "{}", text(&o));
}
