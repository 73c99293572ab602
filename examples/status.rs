//! A node's status through the typed daemon clients: pacemakerd's state, the controller's
//! ping, the node list. `cargo run --example status` on a node (scripts/demo starts one).

use pcmk_ipc_rs::client::controld::Controller;
use pcmk_ipc_rs::client::pacemakerd::Pacemakerd;
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Duration::from_secs(5);
    let ping = Pacemakerd::connect()?.ping(t)?;
    println!("pacemakerd: {} (ok: {})", ping.state.name(), ping.ok);
    let mut crmd = Controller::connect()?;
    let dc = crmd.ping(None, t)?;
    println!("controller (DC): {} {}", dc.fsa_state, dc.result);
    for node in crmd.list_nodes(t)? {
        println!("node {} (id {}): {}", node.name, node.id, node.state);
    }
    Ok(())
}
