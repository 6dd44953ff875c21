//! cql2-text: a tokenizer that keeps each token's character offset (for errors that say
//! where), and a recursive-descent parser whose depth is bounded by [`MAX_DEPTH`].

use super::expr::{
    too_deep, too_many, CmpOp, Expr, Geometry, Literal, GEOMETRY, MAX_DEPTH, MAX_ITEMS,
};
use crate::error::FilterError;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A name; `quoted` when written in double quotes (never a keyword then).
    Ident(String, bool),
    Str(String),
    Num(f64),
    Punct(&'static str),
    End,
}

fn error(at: usize, message: impl Into<String>) -> FilterError {
    FilterError::Syntax {
        lang: "cql2-text",
        at: format!("character {at}"),
        message: message.into(),
    }
}

fn tokenize(input: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' | ')' | ',' | '=' => {
                i += 1;
                Tok::Punct(match c {
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    _ => "=",
                })
            }
            '<' | '>' => {
                i += 1;
                let next = chars.get(i).copied();
                let p = match (c, next) {
                    ('<', Some('=')) => "<=",
                    ('<', Some('>')) => "<>",
                    ('>', Some('=')) => ">=",
                    ('<', _) => "<",
                    _ => ">",
                };
                if p.len() == 2 {
                    i += 1;
                }
                Tok::Punct(p)
            }
            '\'' | '"' => {
                let quote = c;
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(error(start, format!("unterminated {quote}…{quote}"))),
                        Some(&ch) if ch == quote => {
                            if chars.get(i + 1) == Some(&quote) {
                                s.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                if quote == '"' {
                    Tok::Ident(s, true)
                } else {
                    Tok::Str(s)
                }
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || *n == '.')) =>
            {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || chars[i] == '.'
                        || ((chars[i] == 'e' || chars[i] == 'E')
                            && chars
                                .get(i + 1)
                                .is_some_and(|n| n.is_ascii_digit() || *n == '-' || *n == '+'))
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => Tok::Num(n),
                    _ => return Err(error(start, format!("`{text}` is not a number"))),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || chars[i] == '_'
                        || chars[i] == ':'
                        || chars[i] == '.')
                {
                    i += 1;
                }
                Tok::Ident(chars[start..i].iter().collect(), false)
            }
            other => return Err(error(start, format!("unexpected `{other}`"))),
        };
        out.push((start, tok));
    }
    out.push((chars.len(), Tok::End));
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s, _) => format!("`{}`", s.chars().take(32).collect::<String>()),
        Tok::Str(_) => "a string".into(),
        Tok::Num(n) => format!("`{n}`"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::End => "the end of the filter".into(),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].1
    }

    fn at(&self) -> usize {
        self.toks[self.pos].0
    }

    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].1.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s, false) if s.eq_ignore_ascii_case(k))
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        let yes = self.keyword(k);
        if yes {
            self.bump();
        }
        yes
    }

    fn expected(&self, what: &str) -> FilterError {
        error(
            self.at(),
            format!("expected {what}, found {}", describe(self.peek())),
        )
    }

    fn punct(&mut self, p: &str) -> Result<(), FilterError> {
        if self.peek()
            == &Tok::Punct(match p {
                "(" => "(",
                ")" => ")",
                _ => ",",
            })
        {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut list = vec![self.and(depth)?];
        while self.eat_keyword("or") {
            list.push(self.and(depth)?);
        }
        Ok(if list.len() == 1 {
            list.remove(0)
        } else {
            Expr::Or(list)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut list = vec![self.not(depth)?];
        while self.eat_keyword("and") {
            list.push(self.not(depth)?);
        }
        Ok(if list.len() == 1 {
            list.remove(0)
        } else {
            Expr::And(list)
        })
    }

    fn not(&mut self, depth: usize) -> Result<Expr, FilterError> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.not(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, FilterError> {
        if self.peek() == &Tok::Punct("(") {
            self.bump();
            let e = self.or(depth + 1)?;
            self.punct(")")?;
            return Ok(e);
        }
        if self.keyword("s_intersects") {
            self.bump();
            self.punct("(")?;
            let a = self.spatial_arg()?;
            self.punct(",")?;
            let b = self.spatial_arg()?;
            self.punct(")")?;
            return match (a, b) {
                (None, Some(g)) | (Some(g), None) => Ok(Expr::Intersects(g)),
                _ => Err(error(
                    self.at(),
                    "S_INTERSECTS takes the `geometry` property and one geometry literal",
                )),
            };
        }
        // Any other name followed by `(` is a function call the server does not implement
        // (S_WITHIN, CASEI, T_AFTER, …): say so, and which ones it does, rather than that a
        // comparison operator was expected.
        if let (Tok::Ident(name, false), Some((_, Tok::Punct("(")))) =
            (self.peek(), self.toks.get(self.pos + 1))
        {
            if !["not", "and", "or"].contains(&name.to_ascii_lowercase().as_str()) {
                return Err(FilterError::Unsupported {
                    lang: "cql2-text",
                    name: name.chars().take(32).collect(),
                    allowed: super::expr::SUPPORTED_FUNCTIONS.map(String::from).to_vec(),
                });
            }
        }
        if self.keyword("true") || self.keyword("false") {
            // A bare boolean is a predicate only when no comparison follows.
            let save = self.pos;
            let b = self.keyword("true");
            self.bump();
            if matches!(self.peek(), Tok::End | Tok::Punct(")"))
                || self.keyword("and")
                || self.keyword("or")
            {
                return Ok(Expr::Const(b));
            }
            self.pos = save;
        }
        self.predicate()
    }

    /// `geometry` (None) or a geometry literal.
    fn spatial_arg(&mut self) -> Result<Option<Geometry>, FilterError> {
        let at = self.at();
        let Tok::Ident(name, quoted) = self.bump() else {
            return Err(error(at, "expected `geometry` or POINT, BBOX or POLYGON"));
        };
        if quoted || name == GEOMETRY {
            if name != GEOMETRY {
                return Err(FilterError::UnknownProperty {
                    name,
                    allowed: vec![GEOMETRY.into()],
                });
            }
            return Ok(None);
        }
        match name.to_ascii_lowercase().as_str() {
            "point" => {
                self.punct("(")?;
                let p = self.position()?;
                self.punct(")")?;
                Ok(Some(Geometry::Point(p)))
            }
            "bbox" => {
                self.punct("(")?;
                let mut v = [0.0; 4];
                for (i, slot) in v.iter_mut().enumerate() {
                    if i > 0 {
                        self.punct(",")?;
                    }
                    *slot = self.number()?;
                }
                self.punct(")")?;
                Ok(Some(Geometry::BBox(v)))
            }
            "polygon" => {
                self.punct("(")?;
                let mut rings = Vec::new();
                let mut count = 0;
                loop {
                    self.punct("(")?;
                    let mut ring = vec![self.position()?];
                    while self.peek() == &Tok::Punct(",") {
                        self.bump();
                        ring.push(self.position()?);
                        count += 1;
                        if count > MAX_ITEMS {
                            return Err(too_many("polygon positions"));
                        }
                    }
                    self.punct(")")?;
                    rings.push(ring);
                    if self.peek() != &Tok::Punct(",") {
                        break;
                    }
                    self.bump();
                }
                self.punct(")")?;
                Ok(Some(Geometry::Polygon(rings)))
            }
            _ => Err(error(
                at,
                format!("expected `geometry` or POINT, BBOX or POLYGON, found `{name}`"),
            )),
        }
    }

    fn number(&mut self) -> Result<f64, FilterError> {
        match self.peek() {
            Tok::Num(n) => {
                let n = *n;
                self.bump();
                Ok(n)
            }
            _ => Err(self.expected("a number")),
        }
    }

    fn position(&mut self) -> Result<[f64; 2], FilterError> {
        Ok([self.number()?, self.number()?])
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        let lit = match self.peek() {
            Tok::Str(s) => Literal::Text(s.clone()),
            Tok::Num(n) => Literal::Number(*n),
            Tok::Ident(s, false) if s.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Ident(s, false) if s.eq_ignore_ascii_case("false") => Literal::Bool(false),
            _ => return Err(self.expected("a string, number or boolean")),
        };
        self.bump();
        Ok(lit)
    }

    /// A property name, or None when a literal stands here.
    fn property(&mut self) -> Option<String> {
        match self.peek().clone() {
            Tok::Ident(s, true) => {
                self.bump();
                Some(s)
            }
            Tok::Ident(s, false)
                if !s.eq_ignore_ascii_case("true") && !s.eq_ignore_ascii_case("false") =>
            {
                self.bump();
                Some(s)
            }
            _ => None,
        }
    }

    fn predicate(&mut self) -> Result<Expr, FilterError> {
        let start = self.at();
        let Some(prop) = self.property() else {
            // `literal op property`: the same comparison turned round.
            let lit = self
                .literal()
                .map_err(|_| self.expected("a property or a predicate"))?;
            let op = self.cmp_op()?;
            let Some(prop) = self.property() else {
                return Err(error(start, "a comparison needs a property on one side"));
            };
            return Ok(Expr::Compare(prop, op.flipped(), lit));
        };
        if let Tok::Punct(_) = self.peek() {
            if let Ok(op) = self.cmp_op() {
                if let Some(other) = self.property() {
                    return Err(error(
                        start,
                        format!("comparing two properties (`{prop}`, `{other}`) is not supported"),
                    ));
                }
                return Ok(Expr::Compare(prop, op, self.literal()?));
            }
            return Err(self.expected("a comparison operator"));
        }
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            if !self.eat_keyword("null") {
                return Err(self.expected("NULL"));
            }
            let e = Expr::IsNull(prop);
            return Ok(if negated { Expr::Not(Box::new(e)) } else { e });
        }
        let negated = self.eat_keyword("not");
        let e = if self.eat_keyword("like") {
            match self.bump() {
                Tok::Str(s) => Expr::Like(prop, s),
                _ => {
                    return Err(error(
                        self.toks[self.pos.saturating_sub(1)].0,
                        "LIKE takes a string pattern",
                    ))
                }
            }
        } else if self.eat_keyword("between") {
            let low = self.literal()?;
            if !self.eat_keyword("and") {
                return Err(self.expected("AND"));
            }
            Expr::Between(prop, low, self.literal()?)
        } else if self.eat_keyword("in") {
            self.punct("(")?;
            let mut list = vec![self.literal()?];
            while self.peek() == &Tok::Punct(",") {
                self.bump();
                list.push(self.literal()?);
                if list.len() > MAX_ITEMS {
                    return Err(too_many("values in IN"));
                }
            }
            self.punct(")")?;
            Expr::In(prop, list)
        } else {
            return Err(self.expected("a comparison, LIKE, BETWEEN, IN or IS NULL"));
        };
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    fn cmp_op(&mut self) -> Result<CmpOp, FilterError> {
        match self.peek() {
            Tok::Punct(p) => match CmpOp::parse(p) {
                Some(op) => {
                    self.bump();
                    Ok(op)
                }
                None => Err(self.expected("a comparison operator")),
            },
            _ => Err(self.expected("a comparison operator")),
        }
    }
}

/// Parses cql2-text.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    let mut p = Parser {
        toks: tokenize(input)?,
        pos: 0,
    };
    let e = p.or(0)?;
    if p.peek() != &Tok::End {
        return Err(p.expected("AND, OR or the end of the filter"));
    }
    Ok(e)
}
