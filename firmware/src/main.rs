#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_halt as _;

#[entry]
fn main() -> ! {
    hprintln!("hello from the Cortex-M4");
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}
