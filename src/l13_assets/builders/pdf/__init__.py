"""The PDF typesetter the printed outputs share: DejaVu fonts embedded (``fonts``), vector math from ziamath
(``formulas``), styles, tables and the fixed-frame flow (``layout``), the β figure drawn as PDF paths
(``figure``) and the one reproducible date (``dates``). Each module imports reportlab on first use."""
