//! Creating PDA accounts in a handler, after its checks have passed.

use anchor_lang::prelude::*;
use anchor_lang::system_program;

/// Creates `target` (a PDA signed by `seeds`) with `space` bytes owned by `owner`. Works when
/// someone has pre-funded the address, so a lamport transfer cannot block creation.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    let program = system_program.key();
    if current == 0 {
        return system_program::create_account(
            CpiContext::new_with_signer(
                program,
                system_program::CreateAccount {
                    from: payer.clone(),
                    to: target.clone(),
                },
                &[seeds],
            ),
            rent,
            space as u64,
            owner,
        );
    }
    if current < rent {
        system_program::transfer(
            CpiContext::new(
                program,
                system_program::Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            rent - current,
        )?;
    }
    system_program::allocate(
        CpiContext::new_with_signer(
            program,
            system_program::Allocate {
                account_to_allocate: target.clone(),
            },
            &[seeds],
        ),
        space as u64,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            program,
            system_program::Assign {
                account_to_assign: target.clone(),
            },
            &[seeds],
        ),
        owner,
    )
}
