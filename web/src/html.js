// One import for every component: htm's tagged templates over Preact (no JSX build step), and the
// hooks.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
export { render, createContext } from 'preact';
export { useState, useEffect, useContext, useMemo, useRef, useCallback } from 'preact/hooks';
