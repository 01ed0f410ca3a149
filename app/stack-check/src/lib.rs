//! Stack frames of a native build, read from the `.stack_sizes` section LLVM writes with
//! `-Z emit-stack-sizes` (pairs of a function's address and its frame size in ULEB128), named
//! through the ELF symbol table. A 64-bit little-endian ELF (what x86-64 Linux builds) is all
//! it reads.

use std::collections::HashMap;

/// One function's frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub bytes: u64,
    /// Demangled, without the hash suffix.
    pub name: String,
}

struct Section {
    kind: u32,
    offset: usize,
    size: usize,
    link: usize,
    entsize: usize,
    name_off: usize,
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap()))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, String> {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap()))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn cstr(b: &[u8], at: usize) -> String {
    let tail = b.get(at..).unwrap_or(&[]);
    let end = tail.iter().position(|&c| c == 0).unwrap_or(tail.len());
    String::from_utf8_lossy(&tail[..end]).into_owned()
}

fn sections(b: &[u8]) -> Result<Vec<Section>, String> {
    if b.get(..4) != Some(b"\x7fELF") || b.get(4) != Some(&2) || b.get(5) != Some(&1) {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let shoff = u64_at(b, 0x28)? as usize;
    let shentsize = u16_at(b, 0x3a)? as usize;
    let shnum = u16_at(b, 0x3c)? as usize;
    (0..shnum)
        .map(|i| {
            let h = shoff + i * shentsize;
            Ok(Section {
                name_off: u32_at(b, h)? as usize,
                kind: u32_at(b, h + 4)?,
                offset: u64_at(b, h + 0x18)? as usize,
                size: u64_at(b, h + 0x20)? as usize,
                link: u32_at(b, h + 0x28)? as usize,
                entsize: u64_at(b, h + 0x38)? as usize,
            })
        })
        .collect()
}

/// Function addresses to names, from `.symtab` (or `.dynsym` when stripped).
fn symbols(b: &[u8], secs: &[Section]) -> Result<HashMap<u64, String>, String> {
    const SYMTAB: u32 = 2;
    const DYNSYM: u32 = 11;
    let mut names = HashMap::new();
    for kind in [DYNSYM, SYMTAB] {
        for s in secs.iter().filter(|s| s.kind == kind) {
            let strtab = secs.get(s.link).ok_or("symbol table without strings")?;
            let count = s.size / s.entsize.max(1);
            for i in 0..count {
                let e = s.offset + i * s.entsize;
                let info = *b.get(e + 4).ok_or("truncated symbol")?;
                if info & 0xf != 2 {
                    continue; // not STT_FUNC
                }
                let name = cstr(b, strtab.offset + u32_at(b, e)? as usize);
                names.insert(u64_at(b, e + 8)?, name);
            }
        }
    }
    Ok(names)
}

fn uleb128(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let (mut v, mut shift) = (0u64, 0u32);
    loop {
        let byte = *b.get(*at).ok_or("truncated ULEB128")?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err("ULEB128 overflows u64".into());
        }
    }
}

/// Every function's frame in an ELF image, largest first.
pub fn frames(elf: &[u8]) -> Result<Vec<Frame>, String> {
    let secs = sections(elf)?;
    let shstrndx = u16_at(elf, 0x3e)? as usize;
    let shstr = secs.get(shstrndx).ok_or("no section names")?;
    let stack = secs
        .iter()
        .find(|s| cstr(elf, shstr.offset + s.name_off) == ".stack_sizes")
        .ok_or("no .stack_sizes section: build with RUSTFLAGS=\"-Z emit-stack-sizes\"")?;
    let names = symbols(elf, &secs)?;
    let data = elf
        .get(stack.offset..stack.offset + stack.size)
        .ok_or(".stack_sizes lies outside the file")?;
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= data.len() {
        let addr = u64_at(data, at)?;
        at += 8;
        let bytes = uleb128(data, &mut at)?;
        let name = names
            .get(&addr)
            .map(|n| format!("{:#}", rustc_demangle::demangle(n)))
            .unwrap_or_else(|| format!("<function at {addr:#x}>"));
        out.push(Frame { bytes, name });
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The largest frame whose name contains any of `parts`.
pub fn largest_matching<'a>(frames: &'a [Frame], parts: &[&str]) -> Option<&'a Frame> {
    frames
        .iter()
        .find(|f| parts.iter().any(|p| f.name.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb128_reads_multi_byte_values() {
        let b = [0xe5, 0x8e, 0x26, 0x01];
        let mut at = 0;
        assert_eq!(uleb128(&b, &mut at).unwrap(), 624_485);
        assert_eq!(at, 3);
        assert_eq!(uleb128(&b, &mut at).unwrap(), 1);
    }

    #[test]
    fn refuses_what_is_not_an_elf() {
        assert!(frames(b"not an elf at all").unwrap_err().contains("ELF"));
    }
}
